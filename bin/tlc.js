#!/usr/bin/env node
// The `tlc` bin: load the TypeScript sources through tsx, so no build step is
// needed (tsx/esm/api's register needs Node 20.6 or later).
import { register } from "tsx/esm/api";

register();
const { main } = await import(new URL("../tlc/main.ts", import.meta.url).href);
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
