/**
 * What the engine did, exactly: conformance compares these counters with the
 * spec's step record, so each one counts one well-defined event.
 */

/** Running totals since the engine was created. */
export interface Counters {
  /** Page fault-ins: one per page brought into a frame (demand or readahead). */
  faults: number;
  /** Fault-ins that materialized bytes from a snapshot or as zeros (the rest came from swap). */
  fills: number;
  /** Bytes those fills materialized. */
  bytesFilled: number;
  /** Bytes `read` refreshed in resident, partly covered pages (the fragment copy). */
  fragmentBytes: number;
  /** Bytes segment write-back wrote to files. */
  written: number;
  /** Runs segment write-back wrote: stretches of written bytes between skipped ones (each one write call, or more if long). */
  runs: number;
  /** Bytes segment write-back skipped because the file provably held them already. */
  skipped: number;
  /** Bytes atomic write-backs wrote to their journals (data, records' headers and checksums, header and commit). */
  journaled: number;
  /** Blocks saved by copy-before-write. */
  preserves: number;
  /** Pages written to swap on eviction. */
  swapOuts: number;
  /** Pages read back from swap by a fault-in. */
  swapIns: number;
}

/** Counters plus the engine's current occupancy. */
export interface Stats extends Counters {
  /** Pages in frames now. */
  residentPages: number;
  /** Pages in swap slots now. */
  swappedPages: number;
  /** Snapshots some segment byte is still bound to. */
  liveSnapshots: number;
  /** Blocks held in the preserve store now. */
  preservedBlocks: number;
}

export function zeroCounters(): Counters {
  return {
    faults: 0,
    fills: 0,
    bytesFilled: 0,
    fragmentBytes: 0,
    written: 0,
    runs: 0,
    skipped: 0,
    journaled: 0,
    preserves: 0,
    swapOuts: 0,
    swapIns: 0,
  };
}
