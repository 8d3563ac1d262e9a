/**
 * A server on a free local port for one test, and clients of it; all closed
 * when the test ends.
 */
import { onTestFinished } from 'vitest';
import type { FileSystem, SyncReport } from '../../fs.ts';
import { Client, type ConnectOptions } from '../client.ts';
import { Server, type ServerOptions } from '../server.ts';

export interface Served {
  readonly server: Server;
  readonly port: number;
  /** Lines the server logged. */
  readonly log: string[];
  /** Lines the server logged at debug level. */
  readonly debug: string[];
  connect(options?: ConnectOptions): Promise<Client>;
  /** A connection that has not negotiated a version. */
  raw(): Promise<Client>;
  /** Closes the server now (its final sync, unless `sync` is false) instead of when the test ends. */
  close(options?: { sync?: boolean }): Promise<SyncReport | null>;
}

export async function serve(fs: FileSystem, options: Omit<ServerOptions, 'log' | 'debug'> = {}): Promise<Served> {
  const log: string[] = [];
  const debug: string[] = [];
  const server = new Server(fs, { ...options, log: (line) => log.push(line), debug: (line) => debug.push(line) });
  const { port } = await server.listen(0, '127.0.0.1');
  const clients: Client[] = [];
  let open = true;
  onTestFinished(async () => {
    for (const c of clients) await c.close();
    if (open) await server.close();
  });
  const track = (c: Client): Client => {
    clients.push(c);
    return c;
  };
  return {
    server,
    port,
    log,
    debug,
    connect: async (o) => track(await Client.connect(port, '127.0.0.1', o)),
    raw: async () => track(await Client.raw(port)),
    close: (o) => {
      open = false;
      return server.close(o);
    },
  };
}
