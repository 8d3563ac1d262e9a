/**
 * Boots the guest under QEMU with TCG (no KVM here: boot takes tens of
 * seconds) and returns what it printed on its serial console.
 *
 * The network is QEMU's user-mode one: inside the guest the host is
 * 10.0.2.2, which QEMU turns into connections to the host's 127.0.0.1. The
 * guest gives itself a static address and no default route (init.sh), and
 * IPv6 is off on both sides, so the server on loopback is all it can reach.
 */
import { spawn } from 'node:child_process';
import type * as fs from 'node:fs';

export interface Boot {
  kernel: string;
  initrd: string;
  /** Kernel command line words after the console and panic settings. */
  append: string[];
  /** Seconds before the guest is killed, however far it got. */
  timeout: number;
  /** The console's text goes here as it comes. */
  log: fs.WriteStream;
  /** Called with each console line (carriage returns removed). */
  onLine(line: string): void;
}

export interface GuestEnd {
  console: string;
  /** How QEMU ended: "exit 0" when the guest powered off, "killed after N s" on timeout. */
  ending: string;
  seconds: number;
}

export function bootGuest(boot: Boot): Promise<GuestEnd> {
  const started = performance.now();
  const args = [
    '-accel',
    'tcg',
    '-m',
    '512',
    '-smp',
    '1',
    '-nodefaults',
    '-display',
    'none',
    '-no-reboot',
    '-serial',
    'stdio',
    '-kernel',
    boot.kernel,
    '-initrd',
    boot.initrd,
    '-append',
    // quiet keeps the console for the workload's lines; loglevel=3 still shows the kernel's errors.
    ['console=ttyS0', 'quiet', 'loglevel=3', 'panic=-1', 'ipv6.disable=1', ...boot.append].join(' '),
    '-netdev',
    'user,id=n0,ipv6=off',
    // romfile= : no PXE boot ROM, which -kernel does not use.
    '-device',
    'virtio-net-pci,netdev=n0,romfile=',
  ];
  const qemu = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let partial = '';
  const take = (chunk: Buffer): void => {
    boot.log.write(chunk);
    const s = chunk.toString();
    text += s;
    const lines = (partial + s).split('\n');
    partial = lines.pop()!;
    for (const line of lines) boot.onLine(line.replace(/\r/g, ''));
  };
  qemu.stdout.on('data', take);
  qemu.stderr.on('data', take);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    qemu.kill('SIGKILL');
  }, boot.timeout * 1000);
  return new Promise((resolve, reject) => {
    qemu.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`qemu-system-x86_64: ${error.message} (apt-get install qemu-system-x86)`));
    });
    qemu.once('close', (code, signal) => {
      clearTimeout(timer);
      if (partial !== '') boot.onLine(partial.replace(/\r/g, ''));
      const ending = timedOut
        ? `killed after ${boot.timeout} s`
        : signal === null
          ? `exit ${code}`
          : `signal ${signal}`;
      resolve({ console: text.replace(/\r/g, ''), ending, seconds: (performance.now() - started) / 1000 });
    });
  });
}
