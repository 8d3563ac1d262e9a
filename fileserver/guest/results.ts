/**
 * The workload's report (workload.sh's "@@" lines) read back from the
 * console, and printed as a table. A step the plan named but the console
 * never reported (the guest hung, was killed, or crashed) is "missing":
 * the table always has a row for every step of the plan.
 */

export type Status = 'ok' | 'fail' | 'timeout' | 'skipped' | 'missing';

export interface StepResult {
  name: string;
  status: Status;
  /** The step's exit status in the guest; null when missing. */
  rc: number | null;
  seconds: number | null;
  /** dd steps that passed: MB (MiB, as dd's bs=1M) per second. */
  mbps: number | null;
  /** The last line the step printed. */
  message: string;
}

export interface Report {
  steps: StepResult[];
  /** The 9p line of the guest's /proc/mounts (its options: msize, cache, ...), once mounted. */
  mount: string | null;
  /** Whether the workload printed its last line. */
  ended: boolean;
}

const stepLine = /@@ step=(\S+) status=(ok|fail|timeout|skipped) rc=(\d+) secs=([\d.]+)(?: mbps=([\d.]+))? msg=(.*)$/;

export function parseReport(console: string): Report {
  const reported = new Map<string, StepResult>();
  let plan: string[] = [];
  let mount: string | null = null;
  let ended = false;
  for (const line of console.split('\n')) {
    const step = stepLine.exec(line);
    if (step !== null) {
      const [, name, status, rc, secs, mbps, message] = step;
      reported.set(name!, {
        name: name!,
        status: status as Status,
        rc: Number(rc),
        seconds: Number(secs),
        mbps: mbps === undefined ? null : Number(mbps),
        message: message!.trim(),
      });
      continue;
    }
    const planned = /@@ plan steps=(\S+)/.exec(line);
    if (planned !== null) plan = planned[1]!.split(',');
    const mounted = /@@ info mount=(.*)$/.exec(line);
    if (mounted !== null) mount = mounted[1]!.trim();
    if (/@@ end\s*$/.test(line)) ended = true;
  }
  const names = [...plan, ...[...reported.keys()].filter((name) => !plan.includes(name))];
  const steps = names.map(
    (name) =>
      reported.get(name) ?? { name, status: 'missing' as const, rc: null, seconds: null, mbps: null, message: '' },
  );
  return { steps, mount, ended };
}

/** Rows of step, status, rc, seconds, MB/s and message, in columns. */
export function table(steps: readonly StepResult[]): string {
  const rows = [
    ['step', 'status', 'rc', 'secs', 'MB/s', 'message'],
    ...steps.map((s) => [
      s.name,
      s.status,
      s.rc === null ? '-' : String(s.rc),
      s.seconds === null ? '-' : s.seconds.toFixed(2),
      s.mbps === null ? '-' : s.mbps.toFixed(1),
      s.message,
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
