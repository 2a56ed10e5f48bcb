#!/usr/bin/env node
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `evidence-agent needs Node.js 22 or later (this is ${process.version}). ` +
      'Run it through `npx evidence-agent` or an npm script in this folder, which use the Node 24 that `npm ci` installs, or install Node 24 LTS.\n',
  );
  process.exit(1);
}
// The composition root: the core's CLI, given the built-in collectors and their commands.
const [{ main }, { builtins }] = await Promise.all([import('../dist/src/cli/main.js'), import('../dist/collectors/index.js')]);
const code = await main(process.argv, builtins);
process.exitCode = code;
// A collector that ignored its timeout may still hold the event loop; its error record is already written.
setTimeout(() => process.exit(code), 2000).unref();
