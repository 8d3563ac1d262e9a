/**
 * The engine's projection as a model/ State (the spec's variables), so that
 * tests can compare it with the model's successor states and run the
 * model's invariants on it. A segment shorter than P * B reads as if padded
 * with Zero bytes.
 */
import type { Constants } from '../model/constants.ts';
import { Blocks, SnapIds } from '../model/constants.ts';
import { FreeSnap, type State, ZeroSrc } from '../model/state.ts';
import type { Projection } from './projection.ts';

/**
 * The engine keeps no ghost or history variables and no step record: those
 * (origin, lost, last, log, before, synced, interrupted) are taken from
 * `ghosts`, normally the model state the engine's is compared with. The
 * Persistent files, their durable contents, journals and whether the engine
 * has them open are `persistent`'s: what their directories hold.
 */
export function specState(
  c: Constants,
  p: Projection,
  ghosts: Pick<State, 'origin' | 'lost' | 'last' | 'log' | 'before' | 'synced' | 'interrupted'>,
  persistent: Pick<State, 'file' | 'disk' | 'journal' | 'opened'>,
): State {
  const bytes = (x: Uint8Array | null) => (x === null ? null : Array.from(x));
  const na = c.P * c.B;
  const padded = <T>(xs: readonly T[], fill: T): readonly T[] =>
    xs.length === na ? xs : [...xs, ...new Array<T>(na - xs.length).fill(fill)];
  // A snapshot's preserved bytes and copy are compared whole, so they are converted whole.
  return {
    src: padded(p.src, ZeroSrc),
    frame: p.frame.map(bytes),
    swap: p.swap.map(bytes),
    snap: SnapIds(c).map((id) => {
      const s = p.snaps.get(id);
      return s === undefined
        ? FreeSnap(c)
        : {
            file: s.file,
            copy: Array.from(s.copy),
            preserved: Blocks(c).map((b) => bytes(s.preserved.get(b) ?? null)),
            stale: s.stale,
            fresh: s.fresh,
          };
    }),
    file: new Map([...[...p.files].map(([name, content]) => [name, Array.from(content)] as const), ...persistent.file]),
    ...historyOf(ghosts, persistent, 0),
  };
}

type GhostName = 'origin' | 'lost' | 'last' | 'log' | 'before' | 'synced' | 'interrupted';
type DiskName = 'disk' | 'journal' | 'opened';

/**
 * The variables the engine does not keep, in the state's order: the ghosts
 * and history from `ghosts`, the Persistent files' durable side from
 * `persistent`. Both projections (this one and run-state.ts's) take them so.
 */
export function historyOf<G extends Record<GhostName, unknown>, D extends Record<DiskName, unknown>>(
  ghosts: G,
  persistent: D,
  steps: number,
): Pick<G, GhostName> & Pick<D, DiskName> & { steps: number } {
  return {
    origin: ghosts.origin,
    lost: ghosts.lost,
    last: ghosts.last,
    steps,
    disk: persistent.disk,
    journal: persistent.journal,
    opened: persistent.opened,
    log: ghosts.log,
    before: ghosts.before,
    synced: ghosts.synced,
    interrupted: ghosts.interrupted,
  };
}
