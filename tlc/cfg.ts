/**
 * Just enough of TLC's cfg grammar to name the invariants: the wasm checker
 * reports a violated invariant by its position in the cfg ("Invariant 2
 * violated"), so the wrapper maps positions back to names itself.
 */

const KEYWORDS = new Set([
  "CONSTANT", "CONSTANTS", "INIT", "NEXT", "SPECIFICATION", "INVARIANT", "INVARIANTS",
  "PROPERTY", "PROPERTIES", "CONSTRAINT", "CONSTRAINTS", "ACTION_CONSTRAINT",
  "ACTION_CONSTRAINTS", "SYMMETRY", "VIEW", "CHECK_DEADLOCK", "POSTCONDITION", "ALIAS",
]);

/** The cfg text without `\*` line comments and (nestable) `(* *)` comments. */
function stripComments(text: string): string {
  let out = "";
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const two = text.slice(i, i + 2);
    if (two === "(*") {
      depth++;
      i++;
    } else if (depth > 0 && two === "*)") {
      depth--;
      i++;
    } else if (depth === 0 && two === "\\*") {
      const eol = text.indexOf("\n", i);
      i = eol === -1 ? text.length : eol - 1;
    } else if (depth === 0) {
      out += text[i];
    }
  }
  return out;
}

/** The invariant names of a cfg, in order, across all INVARIANT(S) sections. */
export function cfgInvariants(cfgText: string): string[] {
  const names: string[] = [];
  let inInvariants = false;
  for (const token of stripComments(cfgText).split(/\s+/)) {
    if (token === "") continue;
    if (KEYWORDS.has(token)) inInvariants = token === "INVARIANT" || token === "INVARIANTS";
    else if (inInvariants) names.push(token);
  }
  return names;
}
