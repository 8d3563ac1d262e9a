/**
 * Tlock and Tgetlock through our client, two connections standing for two
 * guests: conflicts answered "blocked", the holder reported, and locks
 * released by unlock, by clunk and by disconnect.
 */
import { expect, it } from 'vitest';
import type { Client } from './client.ts';
import { describeEachFs } from './testing/file-systems.ts';
import { serve } from './testing/harness.ts';

const O_RDONLY = 0;
const O_RDWR = 2;
const RDLCK = 0;
const WRLCK = 1;
const UNLCK = 2;
const SUCCESS = 0;
const BLOCKED = 1;
const BLOCK = 1;

describeEachFs('9P2000.L locks', (fsut) => {
  async function twoClients(): Promise<{ a: Client; b: Client; fa: number; fb: number; root: number }> {
    const served = await serve(await fsut.make());
    const a = await served.connect();
    const b = await served.connect();
    const root = await a.attach();
    const fa = await a.walk(root, []);
    await a.lcreate(fa, 'f', O_RDWR, 0o644);
    const fb = await b.walk(await b.attach(), ['f']);
    await b.lopen(fb, O_RDONLY);
    return { a, b, fa, fb, root };
  }

  const lock = (c: Client, fid: number, lockType: number, start: number, length: number, procId: number) =>
    c.rpc('Tlock', { fid, lockType, flags: BLOCK, start, length, procId, clientId: `guest-${procId}` });
  const getlock = (c: Client, fid: number, lockType: number, start: number, length: number, procId: number) =>
    c.rpc('Tgetlock', { fid, lockType, start, length, procId, clientId: `guest-${procId}` });

  it('answers a conflicting lock "blocked", reports its holder, and grants it once unlocked', async () => {
    const { a, b, fa, fb } = await twoClients();
    expect(await lock(a, fa, WRLCK, 0, 0, 7)).toMatchObject({ status: SUCCESS });
    expect(await lock(b, fb, RDLCK, 100, 1, 8)).toMatchObject({ status: BLOCKED });
    expect(await getlock(b, fb, RDLCK, 100, 1, 8)).toMatchObject({
      lockType: WRLCK,
      start: 0,
      length: 0,
      procId: 7,
      clientId: 'guest-7',
    });
    // The holder itself conflicts with nothing; read locks share.
    expect(await getlock(a, fa, WRLCK, 0, 0, 7)).toMatchObject({ lockType: UNLCK, start: 0, length: 0, procId: 7 });
    expect(await lock(a, fa, RDLCK, 0, 0, 7)).toMatchObject({ status: SUCCESS });
    expect(await lock(b, fb, RDLCK, 100, 1, 8)).toMatchObject({ status: SUCCESS });
    expect(await lock(b, fb, WRLCK, 0, 10, 8)).toMatchObject({ status: BLOCKED });
    expect(await lock(a, fa, UNLCK, 0, 0, 7)).toMatchObject({ status: SUCCESS });
    expect(await lock(b, fb, WRLCK, 0, 10, 8)).toMatchObject({ status: SUCCESS });
    expect(await getlock(a, fa, RDLCK, 5, 100, 7)).toMatchObject({ lockType: WRLCK, start: 0, length: 10, procId: 8 });
  });

  it('releases a fid’s locks when it is clunked, and a connection’s when it closes', async () => {
    const { a, b, fa, fb, root } = await twoClients();
    expect(await lock(a, fa, WRLCK, 0, 0, 7)).toMatchObject({ status: SUCCESS });
    await a.clunk(fa);
    expect(await lock(b, fb, WRLCK, 0, 0, 8)).toMatchObject({ status: SUCCESS });
    const again = await a.walk(root, ['f']);
    await a.lopen(again, O_RDONLY);
    expect(await lock(a, again, RDLCK, 0, 0, 7)).toMatchObject({ status: BLOCKED });
    await b.close();
    // The server learns of the close when its socket does: asked until then, it still answers "blocked".
    await expect.poll(() => lock(a, again, RDLCK, 0, 0, 7)).toMatchObject({ status: SUCCESS });
  });

  it('refuses a fid not open, a lock type or flag it does not know, and a range past 2^53', async () => {
    const { a, fa, root } = await twoClients();
    const closed = await a.walk(root, ['f']);
    await expect(lock(a, closed, WRLCK, 0, 0, 7)).rejects.toMatchObject({ code: 'EBADF' });
    await expect(getlock(a, closed, WRLCK, 0, 0, 7)).rejects.toMatchObject({ code: 'EBADF' });
    await expect(lock(a, fa, 3, 0, 0, 7)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(
      a.rpc('Tlock', { fid: fa, lockType: RDLCK, flags: 4, start: 0, length: 0, procId: 7, clientId: '' }),
    ).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(lock(a, fa, RDLCK, 2 ** 53 - 2, 4, 7)).rejects.toMatchObject({ code: 'EINVAL' });
  });
});
