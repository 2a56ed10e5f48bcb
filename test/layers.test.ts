import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Data flows one way: config -> runner -> collector -> record builder -> store.
 * Each layer of src/ imports only layers below it; the public entry points
 * (index.ts, testing.ts) may import any. No file of src/ imports a collector.
 */
const LAYERS = ['cli', 'audit', 'daemon', 'agent', 'config', 'collector', 'verify', 'checkpoint', 'chain', 'record', 'signing', 'store', 'base'] as const;
const BASE = new Set(['json', 'json-schema', 'package-root', 'log', 'pool']);
const ENTRY_POINTS = new Set(['index', 'testing']);

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function layerOf(file: string): string {
  const [top, ...rest] = relative(SRC, file).split('/');
  const name = rest.length === 0 ? top!.replace(/\.(ts|js)$/, '') : top!;
  return BASE.has(name) ? 'base' : name;
}

async function imports(): Promise<{ from: string; to: string }[]> {
  const files = (await readdir(SRC, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.ts'));
  const found: { from: string; to: string }[] = [];
  for (const e of files) {
    const file = join(e.parentPath, e.name);
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/(?:from |import\()'(\.{1,2}\/[^']+)'/g)) found.push({ from: file, to: resolve(dirname(file), m[1]!) });
  }
  return found;
}

describe('layers of src/', () => {
  it('imports only downwards, and never a collector', async () => {
    const wrong: string[] = [];
    for (const { from, to } of await imports()) {
      const source = layerOf(from);
      if (!relative(SRC, to).split('/')[0] || relative(SRC, to).startsWith('..')) {
        wrong.push(`${relative(SRC, from)} imports ${relative(SRC, to)}, outside src/`);
        continue;
      }
      const target = layerOf(to);
      if (ENTRY_POINTS.has(source) || source === target) continue;
      const [a, b] = [LAYERS.indexOf(source as (typeof LAYERS)[number]), LAYERS.indexOf(target as (typeof LAYERS)[number])];
      if (a < 0 || b < 0) wrong.push(`${relative(SRC, from)}: layer ${a < 0 ? source : target} is not in the list`);
      else if (b <= a) wrong.push(`${relative(SRC, from)} (${source}) imports ${relative(SRC, to)} (${target}), which is not below it`);
    }
    expect(wrong).toEqual([]);
  });
});
