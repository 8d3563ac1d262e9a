// The package from CommonJS, by plain node: require() of the ES module build.
'use strict';
require('./round-trip.cjs').roundTrip(require('deferred-io'));
