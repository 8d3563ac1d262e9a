/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and prints where the time went:
 * the functions with the most self time, and the most inclusive time.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/main.ts --only P2
 *   npx tsx bench/cpuprofile.ts /tmp/prof/*.cpuprofile [--top 25] [--under 'write segment']
 *
 * --under keeps only the samples with a frame whose name contains the text
 * (e.g. one engine call), so the tables show where that call's time went.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { numberOption, readCommandLine, UsageError } from '../cli/command-line.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { files, top, under } = readCommandLine(
  {
    name: 'bench/cpuprofile.ts',
    help: `usage: npx tsx bench/cpuprofile.ts FILE.cpuprofile... [--top N] [--under TEXT]

Where a V8 CPU profile's time went: the functions with the most self time,
and the most inclusive time.

  --top N       rows per table (default 25)
  --under TEXT  only the samples with a frame whose name contains TEXT
  -h, --help    this text
`,
    options: { top: { type: 'string' }, under: { type: 'string' } },
    positionals: true,
  },
  ({ values, positionals }) => {
    if (positionals.length === 0) throw new UsageError('no profile given');
    return {
      files: positionals,
      top: numberOption('--top', values.top, 25, { min: 1, integer: true }),
      under: values.under,
    };
  },
);

for (const file of files) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const name = (node: ProfileNode): string => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : ` ${path.basename(url)}:${lineNumber + 1}`;
    return `${functionName === '' ? '(anonymous)' : functionName}${where}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  const stack = (leaf: ProfileNode): ProfileNode[] => {
    const frames: ProfileNode[] = [];
    for (let node: ProfileNode | undefined = leaf; node !== undefined; node = byId.get(parent.get(node.id) ?? -1))
      frames.push(node);
    return frames;
  };
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    const leaf = byId.get(id)!;
    if (under !== undefined && !stack(leaf).some((node) => name(node).includes(under))) return;
    total += micros;
    self.set(name(leaf), (self.get(name(leaf)) ?? 0) + micros);
    // Each function once per sample, however deep the recursion.
    const seen = new Set<string>();
    for (const node of stack(leaf)) {
      const key = name(node);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
    }
  });
  const print = (title: string, table: Map<string, number>): void => {
    console.log(`\n${title}`);
    for (const [key, micros] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(
        `${((micros / total) * 100).toFixed(1).padStart(6)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${key}`,
      );
    }
  };
  console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled${under === undefined ? '' : ` under "${under}"`}`);
  print('self time', self);
  print('inclusive time', inclusive);
}
