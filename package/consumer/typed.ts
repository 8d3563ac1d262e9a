/**
 * A consumer's TypeScript, checked by the repository's tsc against the
 * installed package's .d.ts under the strictest settings a consumer might
 * use. The @ts-expect-error lines make the check fail if the types decay to
 * `any` or lose their precision.
 */
import {
  ArgumentError,
  DeferredIOError,
  Engine,
  IOError,
  MemoryBackend,
  type Stats,
  type WriteResult,
} from 'deferred-io';

export function sync(path: string): WriteResult {
  const engine = new Engine({ pageSize: 4096, memory: 1 << 20 });
  try {
    const image = engine.open(path, 'r+');
    const seg = engine.segment(image.size);
    const bytes: number = seg.read(image, 0, image.size, 0);
    const magic: number = seg.getUint32(1024, true);
    const big: bigint = seg.getBigUint64(0);
    seg.setUint32(1024, magic + bytes + Number(big & 1n), true);
    return seg.write(image, 0, image.size, 0, { rebind: true });
  } finally {
    engine.close();
  }
}

export function inMemory(): Stats {
  const engine = new Engine();
  const file = engine.attach(new MemoryBackend('mem', new Uint8Array(8)), { readOnly: true });
  engine.segment(8).read(file, 0, 8, 0);
  return engine.stats();
}

export function describe(error: unknown): string {
  if (error instanceof ArgumentError) return `argument ${error.argument}`;
  if (error instanceof IOError) return `${error.role}: ${error.code}`;
  if (error instanceof DeferredIOError) return error.message;
  return String(error);
}

export function misuse(engine: Engine): void {
  // @ts-expect-error a segment's length is a number
  engine.segment('4096');
  // @ts-expect-error the flags are 'r', 'r+' or 'w+'
  engine.open('disk.img', 'a');
  // @ts-expect-error rebind is a boolean
  engine.segment(1).write(engine.open('x'), 0, 1, 0, { rebind: 1 });
}
