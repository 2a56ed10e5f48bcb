import { execFile } from 'node:child_process';
import { cp, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The bundled demo in a folder of its own (config/demo.yaml and config/demo/ as they are), prepared by its
 * prepare.mjs; returns the config file. prepare.mjs imports the build from ../../dist, so dist is linked beside it.
 */
export async function preparedDemo(folder: string): Promise<string> {
  await mkdir(join(folder, 'config'));
  await cp(join(ROOT, 'config/demo.yaml'), join(folder, 'config/demo.yaml'));
  await cp(join(ROOT, 'config/demo'), join(folder, 'config/demo'), { recursive: true });
  await symlink(join(ROOT, 'dist'), join(folder, 'dist'));
  await promisify(execFile)(process.execPath, [join(folder, 'config/demo/prepare.mjs')]);
  return join(folder, 'config/demo.yaml');
}
