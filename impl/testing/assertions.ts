/**
 * Assertion density (issue 18, TigerBeetle's TIGER_STYLE): how many `assert`
 * calls each function of a folder makes, and which of them are compound.
 * impl/assertions.test.ts holds impl/ to its thresholds; run
 * `npx tsx impl/testing/assertions.ts [DIR] [--functions]` to print the
 * figures of any folder (default impl/), with --functions every function's.
 *
 * Read from the syntax alone (no type checker), so it is exact for this code
 * base's idioms and nothing more:
 *
 * - The files: every .ts file under DIR but *.test.ts, *.d.ts, DIR/testing/
 *   (test support, not the engine) and node_modules/.
 * - An assert: a call of the name a file imports as `assert` from DIR's own
 *   assert.ts (`import { assert } from './assert.ts'`, an alias followed).
 *   A local that shadows that name would be miscounted; none does.
 * - A function: code that can be called by its name. Function declarations,
 *   methods, constructors, getters and setters with a body (an overload
 *   signature has none), and an arrow function or function expression bound
 *   to a name: a variable, a property, a class field, an assignment
 *   (`stateOf = (file) => ...`), or its own. A callback written inline
 *   (`walk(lo, hi, (e) => { ... })`, `.map((e) => e.end)`) is part of the
 *   function it sits in, and so are its asserts: that function's pre- and
 *   postconditions. (On 85eeee6, the commit issue 18 measured, this counts
 *   267 functions in impl/; the issue's 265 left out the two assignments.) An assert
 *   counts for the innermost function holding it; one outside every
 *   function counts in its file only.
 * - A compound assert: its condition, parentheses and `!` taken off, is a
 *   `&&` or `||`: two facts in one assert, the one that failed unnamed when
 *   it fires (split it; an implication `!a || b` is `if (a) assert(b)`).
 *   Two unrelated facts joined otherwise (`===` of two booleans, say) read
 *   as one and are not caught: an iff is the pair assertion the issue asks for.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface AssertCall {
  /** Relative to the measured folder, '/'-separated. */
  readonly file: string;
  readonly line: number;
  /** The call's source text, on one line. */
  readonly text: string;
  readonly compound: boolean;
}

export interface MeasuredFunction {
  readonly file: string;
  readonly line: number;
  /** `Class.member`, `function`, or `outer/inner` for one inside another (a method's helper: `Class.method/helper`). */
  readonly name: string;
  readonly asserts: readonly AssertCall[];
}

export interface MeasuredFile {
  readonly file: string;
  readonly functions: readonly MeasuredFunction[];
  /** Every assert of the file, those outside any function included. */
  readonly asserts: readonly AssertCall[];
}

export interface Measurement {
  readonly files: readonly MeasuredFile[];
  readonly functions: readonly MeasuredFunction[];
  readonly asserts: readonly AssertCall[];
  readonly compound: readonly AssertCall[];
}

/** The figures of every measured source file under `dir`. */
export function measureAssertions(dir: string): Measurement {
  const root = path.resolve(dir);
  const files = sourceFiles(root).map((file) => measureFile(root, file));
  const asserts = files.flatMap((f) => f.asserts);
  return {
    files,
    functions: files.flatMap((f) => f.functions),
    asserts,
    compound: asserts.filter((a) => a.compound),
  };
}

/** Asserts per function, the issue's density. */
export function perFunction(m: {
  readonly functions: readonly unknown[];
  readonly asserts: readonly unknown[];
}): number {
  return m.functions.length === 0 ? 0 : m.asserts.length / m.functions.length;
}

function sourceFiles(root: string): string[] {
  const testing = path.join(root, 'testing');
  const found: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (full !== testing && entry.name !== 'node_modules') walk(full);
      } else if (entry.name.endsWith('.ts') && !/\.(test|d)\.ts$/.test(entry.name)) {
        found.push(full);
      }
    }
  };
  walk(root);
  return found.sort();
}

function measureFile(root: string, file: string): MeasuredFile {
  const relative = path.relative(root, file).split(path.sep).join('/');
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const assertName = importedAssert(source, path.join(root, 'assert.ts'));
  const functions: MeasuredFunction[] = [];
  const asserts: AssertCall[] = [];

  const visit = (node: ts.Node, owner: AssertCall[] | null, scope: string): void => {
    if (isCountedFunction(node)) {
      const name = qualifiedName(node, scope);
      const own: AssertCall[] = [];
      functions.push({ file: relative, line: lineOf(source, node), name, asserts: own });
      ts.forEachChild(node, (child) => visit(child, own, name));
      return;
    }
    if (assertName !== null && isAssertCall(node, assertName)) {
      const call: AssertCall = {
        file: relative,
        line: lineOf(source, node),
        text: node.getText(source).replace(/\s+/g, ' '),
        compound: isCompound(node.arguments[0]),
      };
      asserts.push(call);
      owner?.push(call);
    }
    const inner = ts.isClassLike(node) ? (node.name?.text ?? '<class>') : scope;
    ts.forEachChild(node, (child) => visit(child, owner, inner));
  };
  visit(source, null, '');
  return { file: relative, functions, asserts };
}

/** The local name `assert` is imported under from `assertModule`, or null if the file does not import it. */
function importedAssert(source: ts.SourceFile, assertModule: string): string | null {
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const specifier = statement.moduleSpecifier.text;
    if (!specifier.startsWith('.')) continue;
    if (path.resolve(path.dirname(source.fileName), specifier) !== assertModule) continue;
    const bindings = statement.importClause?.namedBindings;
    if (bindings === undefined || !ts.isNamedImports(bindings)) continue;
    for (const element of bindings.elements) {
      if ((element.propertyName ?? element.name).text === 'assert') return element.name.text;
    }
  }
  return null;
}

type CountedFunction = ts.FunctionLikeDeclaration & { body: ts.Node };

function isCountedFunction(node: ts.Node): node is CountedFunction {
  if (ts.isArrowFunction(node)) return bindingName(node) !== undefined;
  if (ts.isFunctionExpression(node)) return node.name !== undefined || bindingName(node) !== undefined;
  const declaration =
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node);
  return declaration && node.body !== undefined;
}

/** The name an arrow or function expression is bound to: `const f = `, `{ f: `, `#f = ` (a field), `f = `. */
function bindingName(node: ts.ArrowFunction | ts.FunctionExpression): ts.Node | undefined {
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.initializer === node ? parent.name : undefined;
  }
  const assigned =
    ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.right === node;
  return assigned ? parent.left : undefined;
}

function qualifiedName(node: CountedFunction, scope: string): string {
  const own = ownName(node);
  // A class member (a field holding an arrow included) is Class.member; anything inside a function is outer/inner.
  const member = ts.isPropertyDeclaration(node.parent) ? node.parent : node;
  if (ts.isClassLike(member.parent)) return `${scope}.${own}`;
  return scope === '' ? own : `${scope}/${own}`;
}

function ownName(node: CountedFunction): string {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const prefix = ts.isGetAccessorDeclaration(node) ? 'get ' : ts.isSetAccessorDeclaration(node) ? 'set ' : '';
  const name =
    ts.isArrowFunction(node) || (ts.isFunctionExpression(node) && node.name === undefined)
      ? bindingName(node)
      : node.name;
  // Counted functions all have a name; a default export's is `default`.
  return prefix + (name === undefined ? 'default' : name.getText());
}

function isAssertCall(node: ts.Node, assertName: string): node is ts.CallExpression {
  return ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === assertName;
}

function isCompound(condition: ts.Expression | undefined): boolean {
  let e = condition;
  for (;;) {
    if (e !== undefined && ts.isParenthesizedExpression(e)) e = e.expression;
    else if (e !== undefined && isNot(e)) e = e.operand;
    else break;
  }
  if (e === undefined || !ts.isBinaryExpression(e)) return false;
  const op = e.operatorToken.kind;
  return op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken;
}

function isNot(e: ts.Expression): e is ts.PrefixUnaryExpression {
  return ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken;
}

function lineOf(source: ts.SourceFile, node: ts.Node): number {
  return source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
}

/** The one-line summary; `coreAtZero` where the caller knows its core functions. */
export function summary(m: Measurement, coreAtZero?: number): string {
  const core = coreAtZero === undefined ? '' : `, ${coreAtZero} core functions at 0`;
  return `${m.functions.length} functions, ${m.asserts.length} asserts, ${perFunction(m).toFixed(2)} per function, ${m.compound.length} compound${core}`;
}

/** The per-file table, the compound asserts, and with `functions` every function's count. */
function report(m: Measurement, functions = false): string {
  const rows = m.files.map((f) => {
    const compound = f.asserts.filter((a) => a.compound).length;
    const density = perFunction(f).toFixed(2);
    return `${f.file.padEnd(28)} ${String(f.functions.length).padStart(9)} ${String(f.asserts.length).padStart(7)} ${density.padStart(7)} ${String(compound).padStart(8)}`;
  });
  const lines = [
    summary(m),
    '',
    `${'file'.padEnd(28)} functions asserts per fn compound`,
    ...rows,
    '',
    `compound asserts (${m.compound.length}):`,
    ...m.compound.map((a) => `  ${a.file}:${a.line}  ${a.text}`),
  ];
  if (functions) {
    lines.push('', 'functions (asserts, compound):');
    for (const f of m.functions) {
      const compound = f.asserts.filter((a) => a.compound).length;
      lines.push(
        `  ${f.file}:${f.line}  ${f.name}  ${f.asserts.length}${compound > 0 ? ` (${compound} compound)` : ''}`,
      );
    }
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--')) ?? fileURLToPath(new URL('..', import.meta.url));
  console.log(report(measureAssertions(dir), args.includes('--functions')));
}
