#!/usr/bin/env node
// The `cfm` command. The TypeScript is compiled to dist/ by `npm install` (prepare -> build).
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`cfm: internal error: ${err?.stack ?? err}`); process.exitCode = 70; },
);
