/**
 * The benchmark image's content, known to both the builder (main.ts, which
 * writes it into a directory for mke2fs -d) and each store's run
 * (measure.ts): 2,000 small files of 1 to 16 KiB in 20 directories, one
 * large file larger than the memory budget, and the size of the file the
 * write measurement makes.
 */
const MiB = 2 ** 20;

const directories = Array.from({ length: 20 }, (_, i) => `/d${String(i).padStart(2, '0')}`);

export const layout = {
  directories,
  smallFiles: directories.flatMap((dir, d) =>
    Array.from({ length: 100 }, (_, i) => ({
      path: `${dir}/file-${String(i).padStart(3, '0')}`,
      size: 1024 + (((d * 100 + i) * 2_654_435_761) % (15 * 1024)),
    })),
  ),
  large: { path: '/large', size: 256 * MiB },
  writeSize: 64 * MiB,
} as const;

/** `length` bytes of content derived from `seed` (what the bytes are does not matter, only that they are not all zero). */
export function pattern(length: number, seed: number): Uint8Array {
  return Buffer.alloc(length, (seed % 255) + 1);
}
