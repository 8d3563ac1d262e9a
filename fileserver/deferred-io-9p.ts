#!/usr/bin/env node
/**
 * The deferred-io-9p command (package.json "bin", built to dist/ by npm run
 * build; in a clone, `npx tsx fileserver/deferred-io-9p.ts`). Everything is
 * in cli.ts; this file only runs it.
 */
import { main } from './cli.ts';

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
