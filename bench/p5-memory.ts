/**
 * P5: scanning 4× the memory budget. Each variant runs in a child process of
 * its own, so its peak RSS (VmHWM) is its own: the engine with budgets of
 * 64 MiB, 256 MiB and 1 GiB over files of 256 MiB, 1 GiB and 4 GiB (every
 * page faulted in through a view, so the frame pool fills), against a
 * conventional whole-range readSync and a private mmap of the same file
 * (up to 1 GiB: at 4 GiB they would hold 4 GiB, as their growth with the
 * length already shows), and the bare runtime (node + the engine's modules
 * loaded) as the floor.
 *
 * The children run as plain JavaScript (see compile.ts): a TypeScript
 * loader (tsx) would add about 50 MiB of its own to every peak.
 */

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiled, compileSuite } from './compile.ts';
import type { Context } from './context.ts';
import { bytesText, durationText, MiB } from './harness.ts';
import type { BenchResult, Check, Row } from './report.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

interface ChildResult {
  variant: string;
  before: number;
  peak: number;
  heap: number;
  seconds: number;
}

/** The compiled child: beside this module when the suite runs compiled, else compiled now. */
function childScript(dir: string): string {
  if (compiled) return path.join(here, 'p5-child.js');
  return path.join(path.dirname(compileSuite(path.join(dir, 'p5-js'))), 'p5-child.js');
}

function child(script: string, args: string[]): ChildResult {
  const result = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 240_000 });
  if (result.status !== 0)
    throw new Error(
      `P5 child ${args[0]} failed (${result.status ?? result.signal}): ${result.stderr.trim().slice(-500)}`,
    );
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as ChildResult;
}

export async function run(context: Context): Promise<BenchResult> {
  const script = childScript(context.dir);
  const rows: Row[] = [];
  const checks: Check[] = [];
  const runtime = child(script, ['runtime', '-', '0', '0', context.dir]);
  context.log(`  runtime alone (node + engine modules): peak RSS ${bytesText(runtime.peak)}`);
  rows.push({
    id: 'P5',
    what: 'peak RSS of the runtime alone (node + engine modules, no scan)',
    unit: 'B',
    engine: runtime.peak,
    conventional: null,
    mmap: null,
  });
  const bars = [];
  for (const budget of [64 * MiB, 256 * MiB, 1024 * MiB]) {
    const length = 4 * budget;
    const file = context.sparseFile(`p5-${length / MiB}mib`, length);
    const common = [file, String(length), String(budget), context.dir, context.mmapPath ?? ''];
    const engine = child(script, ['engine', ...common]);
    const baselines = length <= 1024 * MiB;
    const conventional = baselines ? child(script, ['conventional', ...common]) : null;
    const mmap = context.mmap === null || !baselines ? null : child(script, ['mmap', ...common]);
    const limit = budget + 64 * MiB;
    context.log(
      `  budget ${bytesText(budget)}, scan ${bytesText(length)}: engine peak ${bytesText(engine.peak)} (${durationText(engine.seconds)}), ` +
        `conventional ${conventional === null ? '—' : bytesText(conventional.peak)}` +
        (mmap === null ? '' : `, mmap ${bytesText(mmap.peak)}`),
    );
    rows.push({
      id: 'P5',
      what: `scan ${bytesText(length)} with a ${bytesText(budget)} budget: peak RSS`,
      unit: 'B',
      engine: engine.peak,
      conventional: conventional?.peak ?? null,
      mmap: mmap?.peak ?? null,
      ...(budget === 1024 * MiB
        ? {
            note: "Conventional and mmap not run at 4 GiB: each would hold the whole 4 GiB (Node 20's largest Buffer), as their growth from 256 MiB to 1 GiB shows.",
          }
        : {}),
      ...(budget === 64 * MiB
        ? {
            note:
              'Peak RSS is VmHWM of a child process that does only that scan. Conventional reads the whole range into one buffer; ' +
              'mmap counts the file pages it maps (they are reclaimable page cache, but resident while mapped).',
          }
        : {}),
    });
    rows.push({
      id: 'P5',
      what: `  same scan: time`,
      unit: 's',
      engine: engine.seconds,
      conventional: conventional?.seconds ?? null,
      mmap: mmap?.seconds ?? null,
    });
    const other = engine.peak - runtime.peak - budget - (engine.heap - runtime.heap);
    rows.push({
      id: 'P5',
      what: "  the engine's own overhead: its peak − the runtime alone − the budget",
      unit: 'B',
      engine: engine.peak - runtime.peak - budget,
      conventional: null,
      mmap: null,
      note: `With a ${bytesText(budget)} budget: V8's heap grew by ${bytesText(engine.heap - runtime.heap)} (heapTotal at the end of the scan vs the runtime alone); the rest, ${bytesText(Math.max(0, other))}, is not in V8's heap at the end (native allocations, and heap pages V8 held at the peak and released before the end).`,
    });
    checks.push({
      id: 'P5',
      target: `peak RSS at most budget + 64 MiB (${bytesText(budget)} budget: ${bytesText(limit)})`,
      measured: `${bytesText(engine.peak)} (runtime alone ${bytesText(runtime.peak)})`,
      met: engine.peak <= limit,
    });
    bars.push({
      label: `scan 4× budget ${bytesText(budget)}: (budget + 64 MiB) ÷ engine peak`,
      value: limit / engine.peak,
      target: 1,
    });
  }
  return { id: 'P5', title: 'memory bounded by the budget', rows, checks, bars, notes: [], seconds: 0 };
}
