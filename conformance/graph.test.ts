/**
 * The model is the spec: for each certified config, the graph the model
 * enumerates has exactly the states and labelled edges TLC found (the
 * certificate), and every edge of the conformance graph, replayed against
 * the engine, lands in exactly the model's state with exactly its results.
 */
import { describe, expect, test } from 'vitest';
import { readConfig } from '../model/config.ts';
import { enumerate } from '../model/graph.ts';
import { checkAgainstCertificate } from './certificate.ts';
import { digestGraph } from '../tla/graph.ts';
import { regressionCase, replayGraph } from './replay.ts';

/**
 * The graph the engine replays: conformance.cfg, or the smaller smoke.cfg when
 * DEFERRED_IO_REPLAY=spec/smoke.cfg (mutation testing, vitest.mutate.config.ts:
 * then only that graph is enumerated, certified and replayed).
 */
const replayed = process.env.DEFERRED_IO_REPLAY ?? 'spec/conformance.cfg';
const configs = replayed === 'spec/conformance.cfg' ? ['spec/smoke.cfg', 'spec/conformance.cfg'] : [replayed];

describe.each(configs)('%s', (cfgPath) => {
  const { constants } = readConfig(cfgPath);
  const started = performance.now();
  const graph = enumerate(constants);
  const enumerateSeconds = (performance.now() - started) / 1000;

  test('the model enumerates the graph TLC certified', () => {
    const digest = digestGraph(graph);
    checkAgainstCertificate(cfgPath, digest);
    console.log(`${cfgPath}: model graph = TLC graph: ${digest.distinctStates} states, ${digest.edges} edges (enumerated in ${enumerateSeconds.toFixed(1)} s)`);
  });

  if (cfgPath === replayed) {
    // Minutes for conformance.cfg, some seconds for smoke.cfg: slow either way (vitest.config.ts).
    test('every edge replays on the engine with no divergence (5% also on real files)', { tags: ['slow'] }, () => {
      const report = replayGraph(constants, graph, { diskEvery: 20 });
      console.log(`edge replay: ${report.covered}/${report.edges} edges covered (100%), ${report.onDisk} on real files, `
        + `${report.divergences.length} divergences, ${report.seconds.toFixed(1)} s`);
      for (const d of report.divergences) {
        console.log(`divergence at edge ${d.edge} (${d.backing}):\nexpected ${JSON.stringify(d.expected)}\nactual ${JSON.stringify(d.actual)}\n`
          + regressionCase(constants, cfgPath, d));
      }
      expect(report.covered).toBe(graph.edges.length);
      expect(report.onDisk).toBeGreaterThanOrEqual(graph.edges.length / 20);
      expect(report.divergences).toEqual([]);
    });
  }
});
