#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv);
process.exitCode = code;
// A collector that ignored its timeout may still hold the event loop; its error record is already written.
setTimeout(() => process.exit(code), 2000).unref();
