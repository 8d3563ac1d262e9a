/**
 * Edge counting over a dot export of a state graph, as both engines write it:
 * one line per node or edge (labels keep their newlines escaped as `\n`), an
 * edge line starting `FROM -> TO`, with TLC naming nodes by fingerprint
 * (`-123 -> 456`) and the wasm checker by index (`s0 -> s1`).
 */

import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

const EDGE = /^\s*(-?\w+) -> (-?\w+)[\s;[]/;

/**
 * Counts distinct (from, to) pairs, self-loops included: a state graph's
 * edges, however many actions or bindings lead from one state to the other.
 */
class EdgeCounter {
  private readonly seen = new Set<string>();

  add(line: string): void {
    const m = EDGE.exec(line);
    if (m) this.seen.add(`${m[1]} ${m[2]}`);
  }

  get count(): number {
    return this.seen.size;
  }
}

/** Distinct edges of a dot text held in memory (the wasm checker's export). */
export function countDotEdges(dot: string): number {
  const counter = new EdgeCounter();
  for (const line of dot.split("\n")) counter.add(line);
  return counter.count;
}

/** Distinct edges of a dot file, read line by line (TLC's dumps can be large). */
export async function countDotFileEdges(path: string): Promise<number> {
  const counter = new EdgeCounter();
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) counter.add(line);
  return counter.count;
}
