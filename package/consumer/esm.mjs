// The package as an ES module, by plain node; and require() of it (Node >= 20.19
// loads the ES module) must give the very same classes: one copy, no dual package.
import { createRequire } from 'node:module';
import * as api from 'deferred-io';
import { roundTrip } from './round-trip.cjs';

if (createRequire(import.meta.url)('deferred-io').Engine !== api.Engine)
  throw new Error('require() and import gave two copies of the package');
roundTrip(api);
