/**
 * Reporting: what a benchmark returns, the machine it ran on, and the three
 * renderings of a run: JSON (every figure), a Markdown table, and an SVG bar
 * chart of the ratios drawn by hand.
 */

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { bytesText, durationText, GiB, MiB, significant } from './harness.ts';

/** Units of stored values: seconds, bytes, operations per second, bytes per second, a plain count. */
export type Unit = 's' | 'B' | 'op/s' | 'B/s' | 'count';

/** One measured figure, side by side for the engine and its two baselines; null where not measured. */
export interface Row {
  id: string;
  what: string;
  unit: Unit;
  engine: number | null;
  conventional: number | null;
  mmap: number | null;
  /** Why a column is empty, or what exactly was measured. */
  note?: string;
}

/** A target of the issue and whether this run met it (null: no target, reported only). */
export interface Check {
  id: string;
  target: string;
  measured: string;
  met: boolean | null;
}

/** A chart bar: how many times better the engine did than `baseline` (> 1: the engine is better). */
export interface Bar {
  label: string;
  value: number;
  /** The target as the same kind of ratio; null if there is none. */
  target: number | null;
}

export interface BenchResult {
  id: string;
  title: string;
  rows: Row[];
  checks: Check[];
  bars: Bar[];
  notes: string[];
  seconds: number;
}

export interface Machine {
  cpu: string;
  cores: number;
  memory: number;
  node: string;
  fileSystem: string;
  kernel: string;
  /** 1-minute load average when the run started and when it ended (other work on the machine). */
  load: [number, number];
  date: string;
}

export interface Report {
  machine: Machine;
  mmap: { available: boolean; reason: string | null };
  /** How the engine's code ran. */
  code: string;
  results: BenchResult[];
  seconds: number;
}

export function machine(dir: string, loadAtStart: number): Machine {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown';
  return {
    cpu,
    cores: os.cpus().length,
    memory: os.totalmem(),
    node: process.version,
    fileSystem: fileSystem(dir),
    kernel: `${os.type()} ${os.release()}`,
    load: [loadAtStart, os.loadavg()[0]],
    date: new Date().toISOString(),
  };
}

/** The file system type of `dir` (df), e.g. "ext4 on /dev/vda". */
function fileSystem(dir: string): string {
  const df = spawnSync('df', ['--output=fstype,source', dir], { encoding: 'utf8' });
  const line = df.status === 0 ? df.stdout.trim().split('\n')[1]?.trim() : undefined;
  if (line === undefined) return 'unknown';
  const [type, source] = line.split(/\s+/);
  return `${type} (${source})`;
}

export function machineLine(m: Machine): string {
  return (
    `${m.cpu}, ${m.cores} cores, ${(m.memory / GiB).toFixed(0)} GiB RAM, Node ${m.node}, ` +
    `${m.kernel}, temp files on ${m.fileSystem}, ${m.date.slice(0, 16).replace('T', ' ')} UTC, ` +
    `load average ${m.load[0].toFixed(1)} at start and ${m.load[1].toFixed(1)} at end`
  );
}

/** A value in its unit, for people. */
export function valueText(value: number | null, unit: Unit): string {
  if (value === null) return '—';
  switch (unit) {
    case 's':
      return durationText(value);
    case 'B':
      return value === 0 ? '0 B' : bytesText(value);
    case 'op/s':
      return value >= 1e6 ? `${significant(value / 1e6)} M/s` : `${significant(value / 1e3)} k/s`;
    case 'B/s':
      return `${significant(value / MiB)} MiB/s`;
    case 'count':
      return value.toLocaleString('en-US');
  }
}

/** The engine against a baseline, in words: "12,000× faster", "3.1× slower", "1/1,024 of", "same". */
export function comparison(engine: number | null, baseline: number | null, unit: Unit): string {
  if (engine === null || baseline === null || unit === 'count') return '—';
  if (engine === baseline) return 'same';
  const higherIsBetter = unit === 'op/s' || unit === 'B/s';
  if (unit === 'B') {
    if (engine === 0) return 'none of';
    return engine < baseline ? `1/${significant(baseline / engine)} of` : `${significant(engine / baseline)}× more`;
  }
  const better = higherIsBetter ? engine > baseline : engine < baseline;
  const factor = engine > baseline ? engine / baseline : baseline / engine;
  return `${significant(factor)}× ${better ? 'faster' : 'slower'}`;
}

export function markdown(report: Report): string {
  const out: string[] = [];
  out.push(
    `Machine: ${machineLine(report.machine)}. Code: ${report.code}. Whole run: ${significant(report.seconds)} s.`,
  );
  if (!report.mmap.available) out.push('', `mmap columns unavailable: ${report.mmap.reason}`);
  out.push(
    '',
    '| | figure | engine | conventional | mmap (private) | engine vs conventional | engine vs mmap |',
    '| --- | --- | ---: | ---: | ---: | --- | --- |',
  );
  const notes: string[] = [];
  for (const result of report.results) {
    for (const row of result.rows) {
      let what = row.what;
      if (row.note !== undefined) {
        notes.push(row.note);
        what += ` [${notes.length}]`;
      }
      out.push(
        `| ${row.id} | ${what} | ${valueText(row.engine, row.unit)} | ${valueText(row.conventional, row.unit)} | ` +
          `${valueText(row.mmap, row.unit)} | ${comparison(row.engine, row.conventional, row.unit)} | ` +
          `${comparison(row.engine, row.mmap, row.unit)} |`,
      );
    }
  }
  if (notes.length > 0) out.push('', ...notes.map((note, i) => `${i + 1}. ${note}`));
  out.push('', '| | target | measured | met |', '| --- | --- | --- | --- |');
  for (const result of report.results) {
    for (const check of result.checks) {
      const met = check.met === null ? 'reported' : check.met ? 'yes' : '**no**';
      out.push(`| ${check.id} | ${check.target} | ${check.measured} | ${met} |`);
    }
  }
  const extra = report.results.filter((result) => result.notes.length > 0);
  if (extra.length > 0) {
    out.push('');
    for (const result of extra) for (const note of result.notes) out.push(`- ${result.id}: ${note}`);
  }
  return `${out.join('\n')}\n`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A horizontal bar chart on a log scale: each bar is how many times better
 * the engine did than its baseline (right of 1×: better), with the target as
 * a tick; green where the target is met, red where missed, grey without one.
 */
export function svg(report: Report): string {
  const bars = report.results.flatMap((result) => result.bars.map((bar) => ({ ...bar, id: result.id })));
  const label = 430;
  const plot = 520;
  const row = 24;
  const top = 56;
  const height = top + bars.length * row + 48;
  const width = label + plot + 110;
  const values = bars.flatMap((bar) => [bar.value, bar.target ?? bar.value]).filter((v) => v > 0 && Number.isFinite(v));
  const low = Math.floor(Math.log10(Math.min(0.1, ...values)));
  const high = Math.ceil(Math.log10(Math.max(10, ...values)));
  const x = (value: number): number => label + ((Math.log10(Math.max(value, 10 ** low)) - low) / (high - low)) * plot;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="12" y="20" font-size="15" font-weight="bold">deferred-io: how many times better than the baseline (log scale; right of 1× is better)</text>`,
    `<text x="12" y="38" fill="#555">${escapeXml(machineLine(report.machine))}</text>`,
  );
  for (let e = low; e <= high; e++) {
    const gx = x(10 ** e).toFixed(1);
    const text = e >= 0 ? `${(10 ** e).toLocaleString('en-US')}×` : `${10 ** e}×`;
    out.push(
      `<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${top + bars.length * row}" stroke="${e === 0 ? '#333' : '#ddd'}"/>`,
      `<text x="${gx}" y="${top + bars.length * row + 16}" text-anchor="middle" fill="#555">${text}</text>`,
    );
  }
  bars.forEach((bar, i) => {
    const y = top + i * row;
    const met = bar.target === null ? null : bar.value >= bar.target;
    const colour = met === null ? '#8a9bb0' : met ? '#3a9a4a' : '#c8423b';
    const x0 = x(1);
    const x1 = x(bar.value);
    out.push(
      `<text x="${label - 8}" y="${y + 15}" text-anchor="end">${escapeXml(`${bar.id} ${bar.label}`)}</text>`,
      `<rect x="${Math.min(x0, x1).toFixed(1)}" y="${y + 4}" width="${Math.max(1, Math.abs(x1 - x0)).toFixed(1)}" height="${row - 8}" fill="${colour}"/>`,
      // A dot at the value, so that bars near 1× still show where they end and their colour.
      `<circle cx="${x1.toFixed(1)}" cy="${y + row / 2}" r="4.5" fill="${colour}" stroke="white"/>`,
      `<text x="${(Math.max(x0, x1) + 7).toFixed(1)}" y="${y + 15}" fill="#222">${significant(bar.value)}×</text>`,
    );
    if (bar.target !== null) {
      const tx = x(bar.target).toFixed(1);
      out.push(
        `<line x1="${tx}" y1="${y + 1}" x2="${tx}" y2="${y + row - 1}" stroke="#000" stroke-width="2" stroke-dasharray="3,2"/>`,
      );
    }
  });
  const legendY = top + bars.length * row + 36;
  out.push(
    `<text x="${label}" y="${legendY}" fill="#555">bar: engine's advantage; dashed tick: target; green met, red missed, grey no target</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}

export function writeReport(report: Report, files: { json?: string; markdown?: string; svg?: string }): void {
  if (files.json !== undefined) fs.writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
  if (files.markdown !== undefined) fs.writeFileSync(files.markdown, markdown(report));
  if (files.svg !== undefined) fs.writeFileSync(files.svg, svg(report));
}
