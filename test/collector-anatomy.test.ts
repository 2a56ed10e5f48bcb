import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtins } from '../collectors/index.js';
import { checkCollector } from '../src/collector/registry.js';
import { createAjv } from '../src/json-schema.js';

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

type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON Pointer (RFC 6901): "" or "/"-led segments in which "~" is only "~0" or "~1". */
const isPointer = (v: unknown): v is string => typeof v === 'string' && /^(\/([^~]|~[01])*)*$/.test(v);

function segments(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** A schema and the alternatives it combines (allOf, anyOf, oneOf), any of which a value may take. */
function branches(schema: Schema): Schema[] {
  const combined = ['allOf', 'anyOf', 'oneOf'].flatMap((k) => (Array.isArray(schema[k]) ? (schema[k] as unknown[]).filter(isObject) : []));
  return [schema, ...combined.flatMap(branches)];
}

/** The subschemas a value at `pointer` inside a value of `schema` may be described by; none when it names no declared property. */
function schemasAt(schema: Schema, pointer: string): Schema[] {
  let at = [schema];
  for (const name of segments(pointer)) {
    at = at.flatMap(branches).flatMap((s) => {
      const properties = isObject(s.properties) ? s.properties : {};
      const property = Object.hasOwn(properties, name) ? properties[name] : undefined;
      const item = /^(0|[1-9][0-9]*)$/.test(name) && isObject(s.items) ? s.items : undefined;
      return [property, item].filter(isObject);
    });
  }
  return at;
}

/** What is wrong with the `x-evidence-items` and `x-evidence-range` annotations of a payload schema (evidence-schema/README.md, "Items and ranges"). */
function annotationProblems(schema: Schema): string[] {
  const problems: string[] = [];
  const items = schema['x-evidence-items'];
  if (items !== undefined) {
    if (!isObject(items) || !isPointer(items.path) || !isPointer(items.id)) problems.push('x-evidence-items needs path and id, each a JSON Pointer');
    else {
      const unknown = Object.keys(items).filter((k) => !['path', 'id', 'attachment'].includes(k));
      if (unknown.length) problems.push(`x-evidence-items: unknown keys ${unknown.join(', ')}`);
      if (items.attachment !== undefined && (typeof items.attachment !== 'string' || items.attachment === ''))
        problems.push('x-evidence-items.attachment must be an attachment name');
      if (items.attachment !== undefined && items.path === '') problems.push('x-evidence-items.attachment needs a path: data itself is the item');
      const itemSchemas =
        items.path === ''
          ? [schema]
          : schemasAt(schema, items.path)
              .flatMap(branches)
              .flatMap((s) => (s.type === 'array' && isObject(s.items) ? [s.items] : []));
      if (itemSchemas.length === 0) problems.push(`x-evidence-items.path ${JSON.stringify(items.path)} names no array of data`);
      else if (items.id !== '' && itemSchemas.every((s) => schemasAt(s, items.id as string).length === 0))
        problems.push(`x-evidence-items.id ${JSON.stringify(items.id)} names no property of an item`);
    }
  }
  const range = schema['x-evidence-range'];
  if (range !== undefined) {
    if (!isObject(range) || Object.keys(range).sort().join() !== 'from,to') problems.push('x-evidence-range needs exactly from and to');
    else
      for (const end of ['from', 'to'] as const) {
        const pointer = range[end];
        if (!isPointer(pointer) || pointer === '') problems.push(`x-evidence-range.${end} must be a JSON Pointer into data`);
        else if (schemasAt(schema, pointer).length === 0) problems.push(`x-evidence-range.${end} ${JSON.stringify(pointer)} names no property of data`);
      }
  }
  return problems;
}

describe('the x-evidence annotation check', () => {
  const base = {
    type: 'object',
    properties: {
      list: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' } } } },
      range: { type: 'object', properties: { from: { anyOf: [{ type: 'object', properties: { at: { type: 'string' } } }, { type: 'null' }] } } },
    },
  };
  it('accepts pointers that resolve through properties, items and alternatives', () => {
    expect(
      annotationProblems({ ...base, 'x-evidence-items': { path: '/list', id: '/id' }, 'x-evidence-range': { from: '/range/from/at', to: '/list/0/id' } }),
    ).toEqual([]);
    expect(annotationProblems({ oneOf: [base, { type: 'object' }], 'x-evidence-items': { path: '/list', id: '/id', attachment: 'list.jsonl' } })).toEqual([]);
  });
  it('names what is malformed or points nowhere', () => {
    expect(annotationProblems({ ...base, 'x-evidence-items': { path: 'list', id: '/id' } })).toEqual([
      'x-evidence-items needs path and id, each a JSON Pointer',
    ]);
    expect(annotationProblems({ ...base, 'x-evidence-items': { path: '/range', id: '/id', extra: 1 } })).toEqual([
      'x-evidence-items: unknown keys extra',
      'x-evidence-items.path "/range" names no array of data',
    ]);
    expect(annotationProblems({ ...base, 'x-evidence-items': { path: '/list', id: '/name' } })).toEqual([
      'x-evidence-items.id "/name" names no property of an item',
    ]);
    expect(annotationProblems({ ...base, 'x-evidence-range': { from: '/range/to', to: '/range/from/at' } })).toEqual([
      'x-evidence-range.from "/range/to" names no property of data',
    ]);
    expect(annotationProblems({ ...base, 'x-evidence-range': { from: '/range/from' } })).toEqual(['x-evidence-range needs exactly from and to']);
  });
});

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

    it('annotates its payload schema for auditors, where it does, with well-formed x-evidence keywords a strict compile accepts', async () => {
      const collector = checkCollector(((await builtins.catalog[name]!()) as { default: unknown }).default, name);
      const schema = collector.payloadSchema as Schema;
      expect(annotationProblems(schema)).toEqual([]);
      expect(() => createAjv().compile(schema)).not.toThrow();
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
