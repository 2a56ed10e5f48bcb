// Prepares the bundled demo on the fly (nothing here is committed): a checkpoint key, two small models
// signed with a demo release key (one tampered after signing), the approved-models ledger, a small git
// repository with human, bot and AI-agent commits, OpenLineage events of the training run of one model, and
// the configs and logs of a small inference stack.
// Run by `npm run demo` after the build; it only writes under ./.demo and never replaces a key.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDemoRepository } from '../../dist/collectors/commit-trail/demo/repository.js';
import { writeDemoLineage } from '../../dist/collectors/lineage/demo/events.js';
import { writeDemoInferenceStack } from '../../dist/collectors/log-redaction/demo/stack.js';
import { signModel } from '../../dist/collectors/model-signatures/format/sign-model.js';
import { generateP256, parsePrivateKey } from '../../dist/src/signing/keys.js';

const root = fileURLToPath(new URL('../../.demo/', import.meta.url));

async function keyPair(name) {
  const file = join(root, 'keys', `${name}.pem`);
  if (!existsSync(file)) {
    const { privatePem, publicPem } = generateP256();
    await mkdir(join(root, 'keys'), { recursive: true });
    await writeFile(file, privatePem, { mode: 0o600 });
    await writeFile(join(root, 'keys', `${name}.pub.pem`), publicPem);
  }
  return parsePrivateKey(await readFile(file, 'utf8'), file);
}

async function model(name, files) {
  const dir = join(root, 'models', name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

await keyPair('checkpoint');
const release = await keyPair('release');
const files = { 'config.json': '{"layers": 4, "hidden": 64}\n', 'weights.bin': 'demo weights '.repeat(4096), 'README.md': '# demo model\n' };
const good = await signModel(await model('fraud-detector', files), { key: release });
const tampered = await model('ranker', { ...files, 'config.json': '{"layers": 4, "hidden": 32}\n' });
const ranker = await signModel(tampered, { key: release });
// Changed after signing: the demo's failing model.
await writeFile(join(tampered, 'weights.bin'), 'tampered weights '.repeat(4096));
await writeFile(
  join(root, 'approved-models.yaml'),
  `${[good, ranker]
    .map(
      (m, i) =>
        `- { name: ${i ? 'ranker' : 'fraud-detector'}, version: "1", digest: "sha256:${m.subjectDigest}", approvedBy: ml-release-board@example.com, approvedAt: "2026-11-01T09:00:00Z" }`,
    )
    .join('\n')}\n`,
);
await buildDemoRepository(join(root, 'repo'));
await writeDemoLineage(join(root, 'lineage'), join(root, 'models', 'fraud-detector'));
await writeDemoInferenceStack(join(root, 'inference'));
