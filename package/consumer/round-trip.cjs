/**
 * What a consumer does with the installed package, in plain JavaScript: a
 * file of three pages, read whole (nothing copied), one load, one store, a
 * write-back that must write exactly the stored page and skip the rest, and
 * a second one that must write nothing. It is given the package's exports so
 * that ESM (esm.mjs) and CommonJS (cjs.cjs) run the very same steps. Prints
 * one JSON line; the test compares it and the file on disk.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const pageSize = 4096;

exports.roundTrip = function roundTrip({ Engine, ArgumentError, DeferredIOError }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deferred-io-consumer-'));
  try {
    const target = path.join(dir, 'data.bin');
    const content = Buffer.alloc(3 * pageSize);
    for (let page = 0; page < 3; page++) content.fill(page + 1, page * pageSize, (page + 1) * pageSize);
    fs.writeFileSync(target, content);

    const engine = new Engine({ pageSize, memory: 16 * pageSize, swapDir: dir });
    const file = engine.open(target, 'r+');
    const seg = engine.segment(file.size);
    const read = seg.read(file, 0, file.size, 0);
    const loaded = seg.getUint8(pageSize + 7);
    seg.setUint32(2 * pageSize + 8, 0xdeadbeef, true);
    const first = seg.write(file, 0, file.size, 0, { rebind: true });
    const second = seg.write(file, 0, file.size, 0, { rebind: true });
    let rejected = null;
    try {
      engine.segment(-1);
    } catch (error) {
      rejected = { argumentError: error instanceof ArgumentError, deferredIOError: error instanceof DeferredIOError };
    }
    const faults = engine.stats().faults;
    engine.close();
    const onDisk = fs.readFileSync(target);
    console.log(
      JSON.stringify({
        read,
        loaded,
        first,
        second,
        faults,
        rejected,
        stored: onDisk.readUInt32LE(2 * pageSize + 8).toString(16),
        unchangedElsewhere: onDisk.subarray(0, 2 * pageSize).equals(content.subarray(0, 2 * pageSize)),
      }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};
