/**
 * The image lock: one holder at a time, the holder named to whoever is
 * refused, a stale lock (its holder gone, its pid reused, on this host)
 * taken over, a lock of another host or one naming no holder never taken,
 * and release removing only the holder's own lock.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageLock, ImageLockedError } from './image-lock.ts';

describe('image lock', () => {
  let dir: string;
  let image: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-lock-'));
    image = path.join(dir, 'disk.img');
    fs.writeFileSync(image, '');
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Lock files and their staging files in the directory, besides the image. */
  const others = (): string[] => fs.readdirSync(dir).filter((n) => n !== 'disk.img');

  it('has one holder at a time, names it to the next, and is gone once released', () => {
    const lock = ImageLock.take(image);
    expect(lock.file).toBe(`${image}.lock`);
    expect(lock.tookOver).toBeNull();
    expect(others()).toEqual(['disk.img.lock']);
    const holder = JSON.parse(fs.readFileSync(lock.file, 'utf8'));
    expect(holder).toMatchObject({ pid: process.pid, host: os.hostname() });
    // The holder is running: refused, by another path to the same file too.
    fs.symlinkSync(image, path.join(dir, 'link.img'));
    for (const name of [image, path.join(dir, 'link.img')]) {
      const refused = (() => {
        try {
          ImageLock.take(name);
        } catch (error) {
          return error;
        }
      })();
      expect(refused).toBeInstanceOf(ImageLockedError);
      expect((refused as Error).message).toBe(
        `the image is in use: process ${process.pid} on host ${os.hostname()} since ${holder.since} holds ${image}.lock`,
      );
    }
    fs.rmSync(path.join(dir, 'link.img'));
    expect(() => ImageLock.take(path.join(dir, 'missing.img'))).toThrow(/ENOENT/);
    expect(others()).toEqual(['disk.img.lock']);
    lock.release();
    lock.release();
    expect(others()).toEqual([]);
    ImageLock.take(image).release();
  });

  it('takes over a lock whose holder is gone, or whose pid another process now has', () => {
    const exited = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']);
    const dead = Number(exited.stdout.toString());
    const stale = [
      { pid: dead, host: os.hostname(), since: '2026-01-01T00:00:00.000Z' },
      // This process's pid, as if a holder that started at another time had had it.
      ...(fs.existsSync('/proc/self/stat')
        ? [{ pid: process.pid, host: os.hostname(), since: '2026-01-01T00:00:00.000Z', ticks: 1 }]
        : []),
    ];
    for (const holder of stale) {
      fs.writeFileSync(`${image}.lock`, `${JSON.stringify(holder)}\n`);
      const lock = ImageLock.take(image);
      expect(lock.tookOver).toEqual(holder);
      expect(JSON.parse(fs.readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
      lock.release();
      expect(others()).toEqual([]);
    }
  });

  it('never takes a lock of another host, or one that names no holder', () => {
    const exited = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']);
    const elsewhere = { pid: Number(exited.stdout.toString()), host: `not-${os.hostname()}`, since: 'then' };
    fs.writeFileSync(`${image}.lock`, JSON.stringify(elsewhere));
    expect(() => ImageLock.take(image)).toThrow(
      `the image is in use: process ${elsewhere.pid} on host ${elsewhere.host} since then holds ${image}.lock`,
    );
    fs.writeFileSync(`${image}.lock`, 'locked by hand');
    expect(() => ImageLock.take(image)).toThrow(
      `${image}.lock exists but names no holder; remove it if no server is serving the image`,
    );
    expect(others()).toEqual(['disk.img.lock']);
  });

  it('releases only its own lock', () => {
    const lock = ImageLock.take(image);
    fs.writeFileSync(lock.file, 'another holder\n');
    lock.release();
    expect(fs.readFileSync(lock.file, 'utf8')).toBe('another holder\n');
  });
});
