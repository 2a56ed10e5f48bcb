import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtins } from '../collectors/index.js';
import { checkCollector } from '../src/collector/registry.js';

/** Every built-in collector folder against collectors/README.md, "Anatomy of a collector folder". */
const ROOT = fileURLToPath(new URL('../collectors/', import.meta.url));
const folders = (await readdir(ROOT, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);

async function sourceFiles(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  if ((await stat(path)).isFile()) return [path];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

/**
 * What judging code must not import: it gets observations as values and
 * returns verdicts. Types of observations (`import type`) are its input, so
 * those may come from observing code.
 */
const IO_MODULES =
  /^import (?!type )[^;]*from '(node:(fs|fs\/promises|child_process|http|https|net|dgram|worker_threads)|simple-git|@aws-sdk\/[^']+|@google-cloud\/[^']+|[^']*\/observe(\/[^']*)?(\.js)?)'/m;

const README_PARTS: [string, RegExp][] = [
  ['a title naming the type', /^# (?<type>[a-z0-9-]+)\n/],
  ['a paragraph starting with **Proves**', /^\n\*\*Proves\*\*/],
  ['a "Default controls:" line', /\nDefault controls: /],
  ['## Options', /\n## Options\n/],
  ['## Record', /\n## Record\n/],
];

describe('collector folders follow collectors/README.md', () => {
  it('has a catalog entry for every folder and a folder for every catalog entry', () => {
    expect(Object.keys(builtins.catalog).sort()).toEqual([...folders].sort());
  });

  describe.each(folders)('%s', (name) => {
    const dir = join(ROOT, name);

    it('declares itself under its catalog key, with options and payload schemas the registry accepts', async () => {
      const collector = checkCollector(((await builtins.catalog[name]!()) as { default: unknown }).default, name);
      expect(collector.type).toBe(name);
    });

    it('has index.ts, schema.ts, README.md, tests and judging code', () => {
      for (const file of ['index.ts', 'schema.ts', 'README.md']) expect(existsSync(join(dir, file)), `${name}/${file}`).toBe(true);
      expect(existsSync(join(dir, 'judge.ts')) || existsSync(join(dir, 'judge')), `${name}/judge.ts or ${name}/judge/`).toBe(true);
    });

    it('keeps judging free of I/O: no file system, process, network or observe imports', async () => {
      const judging = [...(await sourceFiles(join(dir, 'judge.ts'))), ...(await sourceFiles(join(dir, 'judge')))];
      expect(judging.length).toBeGreaterThan(0);
      for (const file of judging) {
        const text = await readFile(file, 'utf8');
        expect(IO_MODULES.exec(text)?.[0] ?? null, relative(ROOT, file)).toBeNull();
        expect(/\bfetch\(/.test(text), `${relative(ROOT, file)} calls fetch`).toBe(false);
      }
    });

    it('has a README with the sections every collector README has, in order', async () => {
      const text = await readFile(join(dir, 'README.md'), 'utf8');
      let at = 0;
      for (const [part, pattern] of README_PARTS) {
        const m = pattern.exec(text.slice(at));
        expect(m, `${name}/README.md: ${part}`).not.toBeNull();
        if (m?.groups?.type) expect(m.groups.type).toBe(name);
        at += m!.index + m![0].length;
      }
    });

    it('is tested through the shared test kit, not a copy of the runner', async () => {
      const tests = (await sourceFiles(join(dir, 'test'))).filter((f) => f.endsWith('.test.ts'));
      expect(tests.length).toBeGreaterThan(0);
      const texts = await Promise.all((await sourceFiles(join(dir, 'test'))).map((f) => readFile(f, 'utf8')));
      expect(texts.some((t) => t.includes('runCollectorOnce'))).toBe(true);
      expect(texts.filter((t) => t.includes('collector/runner.js'))).toEqual([]);
    });
  });
});
