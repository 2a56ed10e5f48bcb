#!/usr/bin/env node
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `evidence-agent needs Node.js 22 or later (this is ${process.version}). ` +
      'Run it through `npx evidence-agent` or an npm script in this folder, which use the Node 24 that `npm ci` installs, or install Node 24 LTS.\n',
  );
  process.exit(1);
}
// V8 sizes its young generation when the process starts, from the machine's memory (64 MiB a semi-space on
// a large host: commit-trail then peaks far above the 150 MB goal), and `v8.setFlagsFromString` cannot change
// it afterwards (measured: no effect). Unless the user chose a size (NODE_OPTIONS or node's own arguments),
// the process starts again in place with the deployments' size (deploy/Dockerfile): same pid, stdio and
// signals, about 40 ms. Without `process.execve` (Windows, Node 22 before 22.15) it runs as started.
const SEMI_SPACE = /^--max[-_]semi[-_]space[-_]size(=|$)/;
const chosen = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => SEMI_SPACE.test(a));
if (!chosen && typeof process.execve === 'function') {
  try {
    process.execve(process.execPath, [process.execPath, '--max-semi-space-size=16', ...process.execArgv, ...process.argv.slice(1)]);
  } catch {
    // Not allowed to start a program here: run as started.
  }
}
// The composition root: the core's CLI, given the built-in collectors and their commands.
const [{ main }, { builtins }] = await Promise.all([import('../dist/src/cli/main.js'), import('../dist/collectors/index.js')]);
const code = await main(process.argv, builtins);
process.exitCode = code;
// A collector that ignored its timeout may still hold the event loop; its error record is already written.
setTimeout(() => process.exit(code), 2000).unref();
