/**
 * The file server's benchmarks write their tables into fileserver/README.md,
 * each between its own pair of markers, so that the README shows the last
 * full run and nothing is copied by hand.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { root } from '../../bench/compile.ts';

/** Replaces what lies between `<!-- NAME:start -->` and `<!-- NAME:end -->` in fileserver/README.md with `table`. */
export function refreshReadme(name: string, table: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const readme = path.join(root, 'fileserver', 'README.md');
  const text = fs.readFileSync(readme, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) {
    console.error(`fileserver/README.md has no ${start} ... ${end} section: not refreshed`);
    return;
  }
  fs.writeFileSync(readme, `${text.slice(0, from + start.length)}\n${table}\n${text.slice(to)}`);
}
