/**
 * Tests that need a Debian tool (e2fsprogs here, diod for the 9P tests):
 * they run where the tool is installed, fail in CI where it is not (CI
 * installs it; its absence there is a broken pipeline, not a reason to
 * pass), and elsewhere are skipped with a notice on stderr.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'vitest';

const searchPath = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/** The executable `name` on PATH (or in the sbin directories, where e2fsprogs lives), or null. */
export function findTool(name: string): string | null {
  for (const dir of searchPath) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** describe(title, body) when `tools` (from Debian package `pkg`) are installed; else a failing test in CI, a visible skip elsewhere. */
export function describeWithTools(pkg: string, tools: readonly string[], title: string, body: () => void): void {
  const missing = tools.filter((tool) => findTool(tool) === null);
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const why = `${missing.join(', ')} not found (apt-get install -y ${pkg})`;
  if (process.env.CI !== undefined && process.env.CI !== '') {
    describe(title, () => {
      test(`${pkg} is installed`, () => {
        throw new Error(`CI must have ${pkg}: ${why}`);
      });
    });
    return;
  }
  process.stderr.write(`NOTICE: skipping "${title}": ${why}\n`);
  describe.skip(`${title} (skipped: ${why})`, body);
}
