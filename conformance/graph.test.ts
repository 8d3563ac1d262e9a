/**
 * The model is the spec, and the engine is the model: for each certified
 * config the graph the model enumerates has exactly the states and labelled
 * edges TLC found (the certificate); every edge is a step of conventional
 * I/O under the refinement mapping (what TLC checked as PROPERTY Refines,
 * re-checked here without TLC); and every edge, replayed against the engine,
 * lands in exactly the model's state with exactly its results.
 */
import { describe, expect, test } from 'vitest';
import { actionOf } from '../actions/labels.ts';
import { chosenBy, conventionalCall, successors } from '../actions/next.ts';
import { readConfig } from '../model/config.ts';
import { enumerate, type ModelGraph } from '../model/graph.ts';
import { initRefines, stepRefines } from '../model/refinement.ts';
import { digestGraph } from '../tla/graph.ts';
import { checkAgainstCertificate } from './certificate.ts';
import { regressionCase, replayGraph } from './replay.ts';

/**
 * The configs conformance enumerates and replays; smoke and crashsmoke are
 * quick, the others are minutes on a loaded machine. DEFERRED_IO_REPLAY=spec/smoke.cfg keeps
 * only the one named (mutation testing, vitest.mutate.config.ts).
 */
const only = process.env.DEFERRED_IO_REPLAY;
const configs = [
  { cfgPath: 'spec/smoke.cfg', slow: false },
  { cfgPath: 'spec/crashsmoke.cfg', slow: false },
  { cfgPath: 'spec/conformance.cfg', slow: true },
  { cfgPath: 'spec/isolation.cfg', slow: true },
  { cfgPath: 'spec/crash.cfg', slow: true },
].filter((c) => only === undefined || c.cfgPath === only);

describe.each(configs)('$cfgPath', ({ cfgPath, slow }) => {
  const tags = slow ? ['slow'] : [];
  const { constants } = readConfig(cfgPath);
  let graph: ModelGraph | undefined;
  const enumerated = (): ModelGraph => {
    if (graph === undefined) {
      const started = performance.now();
      graph = enumerate(constants, successors);
      console.log(
        `${cfgPath}: enumerated ${graph.states.length} states in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    return graph;
  };

  test('the model enumerates the graph TLC certified', { tags }, () => {
    const digest = digestGraph(enumerated());
    checkAgainstCertificate(cfgPath, digest);
    console.log(`${cfgPath}: model graph = TLC graph: ${digest.distinctStates} states, ${digest.edges} edges`);
  });

  test('every initial state and every edge refines conventional I/O', { tags }, () => {
    const g = enumerated();
    const bad = [
      ...g.initial.flatMap((id) => initRefines(constants, g.models[id]!) ?? []),
      ...g.edges.flatMap((e) => {
        const to = g.models[e.to]!;
        const why = stepRefines(
          constants,
          g.models[e.from]!,
          conventionalCall(actionOf(to.last), chosenBy(constants, to)),
          to,
        );
        return why === null ? [] : [`${e.action}: ${why}`];
      }),
    ];
    expect(bad.slice(0, 5)).toEqual([]);
  });

  test('every edge replays on the engine with no divergence (5% also on real files)', { tags }, () => {
    const g = enumerated();
    const report = replayGraph(constants, g, { diskEvery: 20 });
    console.log(
      `${cfgPath}: edge replay: ${report.covered}/${report.edges} edges covered, ${report.onDisk} on real files, ` +
        `${report.divergences.length} divergences, ${report.seconds.toFixed(1)} s`,
    );
    for (const d of report.divergences) {
      console.log(
        `divergence at edge ${d.edge} (${d.backing}):\nexpected ${JSON.stringify(d.expected)}\nactual ${JSON.stringify(d.actual)}\n` +
          regressionCase(cfgPath, d),
      );
    }
    expect(report.covered).toBe(g.edges.length);
    expect(report.onDisk).toBeGreaterThanOrEqual(g.edges.length / 20);
    expect(report.divergences).toEqual([]);
  });
});
