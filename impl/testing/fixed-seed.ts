/**
 * Setup file of the mutation run (vitest.mutate.config.ts): every fast-check
 * property runs from one fixed seed. Stryker takes a test's verdict on a
 * mutant as a fact, and incremental mode reuses it in later runs; with a new
 * random seed per run a mutant near the edge of what the properties reach
 * would be killed in one run and survive the next, and a survivor could not
 * be rerun to be classified. `npm test` keeps random seeds: there, variety
 * is the point.
 */
import fc from 'fast-check';

fc.configureGlobal({ seed: 20261201 });
