/**
 * `npm run bench:9p`'s third server: the 9P server over the tests'
 * in-memory FileSystem, holding the /ctl/zero (1 MiB) and /ctl/null that
 * diodload reads and writes (its aname "ctl" is /ctl). Run as a compiled process of its own, as the image
 * server is, so that the two differ only in the file system underneath:
 * the table then tells the protocol's cost from ext2's and the engine's.
 * Logs `serving ... on HOST:PORT` on stderr once listening; SIGTERM stops it.
 *
 *   node memory-server.js
 */

import { Server } from '../9p/server.ts';
import { MemoryFs } from '../9p/testing/memory-fs.ts';
import { S_IFDIR, S_IFREG } from '../fs.ts';

const zeroSize = 2 ** 20;
const memory = new MemoryFs({ blocks: 1024 });
const ctl = memory.mkdir(memory.root, 'ctl', S_IFDIR | 0o755, 0, 0);
memory.write(memory.create(ctl, 'zero', S_IFREG | 0o644, 0, 0), 0, new Uint8Array(zeroSize));
memory.create(ctl, 'null', S_IFREG | 0o644, 0, 0);
const server = new Server(memory);
const address = await server.listen(0, '127.0.0.1');
process.stderr.write(`memory-server: serving an in-memory file system on ${address.address}:${address.port}\n`);
process.once('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
