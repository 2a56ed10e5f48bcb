import { execFile } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { builtins } from '../collectors/index.js';
import {
  CONTROLS_DIR,
  ControlCatalogError,
  type CrosswalkFile,
  FRAMEWORK_FILES,
  FRAMEWORK_IDS,
  type FrameworkId,
  loadFramework,
  parseFramework,
  UnknownControlError,
  UnknownFrameworkError,
} from '../src/audit/frameworks.js';
import { loadCollector } from '../src/collector/registry.js';
import { createAjv } from '../src/json-schema.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CROSSWALKS = FRAMEWORK_IDS.filter((f): f is Exclude<FrameworkId, 'soc2'> => f !== 'soc2');

/** Written here from the public listings of each framework, independently of the files under test. */
const WELL_FORMED: Record<FrameworkId, RegExp> = {
  soc2: /^(?:CC[1-9]|A1|C1|PI1|P[1-8])\.[1-9]$/,
  iso42001: /^A\.(?:[2-9]|10)\.[1-9](?:\.[1-9])?$/,
  iso27001: /^A\.[5-8]\.[1-9]\d?$/,
  'nist-ai-rmf': /^(?:GOVERN|MAP|MEASURE|MANAGE) [1-9]\.[1-9]\d?$/,
  'eu-ai-act': /^Art\. [1-9]\d{0,2}$/,
};

function range(prefix: string, from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);
}

/** Every id of each framework, by the structure of its public listing (AICPA TSC 2017, ISO/IEC Annex A tables, NIST AI 100-1 Core). */
const PUBLISHED: Record<Exclude<FrameworkId, 'eu-ai-act'>, string[]> = {
  soc2: [
    ...range('CC1.', 1, 5),
    ...range('CC2.', 1, 3),
    ...range('CC3.', 1, 4),
    ...range('CC4.', 1, 2),
    ...range('CC5.', 1, 3),
    ...range('CC6.', 1, 8),
    ...range('CC7.', 1, 5),
    'CC8.1',
    ...range('CC9.', 1, 2),
    ...range('A1.', 1, 3),
    ...range('C1.', 1, 2),
    ...range('PI1.', 1, 5),
    'P1.1',
    'P2.1',
    ...range('P3.', 1, 2),
    ...range('P4.', 1, 3),
    ...range('P5.', 1, 2),
    ...range('P6.', 1, 7),
    'P7.1',
    'P8.1',
  ],
  iso42001: [
    ...range('A.2.', 2, 4),
    ...range('A.3.', 2, 3),
    ...range('A.4.', 2, 6),
    ...range('A.5.', 2, 5),
    ...range('A.6.1.', 2, 3),
    ...range('A.6.2.', 2, 8),
    ...range('A.7.', 2, 6),
    ...range('A.8.', 2, 5),
    ...range('A.9.', 2, 4),
    ...range('A.10.', 2, 4),
  ],
  iso27001: [...range('A.5.', 1, 37), ...range('A.6.', 1, 8), ...range('A.7.', 1, 14), ...range('A.8.', 1, 34)],
  'nist-ai-rmf': [
    ...[7, 3, 2, 3, 2, 2].flatMap((n, i) => range(`GOVERN ${i + 1}.`, 1, n)),
    ...[6, 3, 5, 2, 2].flatMap((n, i) => range(`MAP ${i + 1}.`, 1, n)),
    ...[3, 13, 3, 3].flatMap((n, i) => range(`MEASURE ${i + 1}.`, 1, n)),
    ...[4, 4, 2, 3].flatMap((n, i) => range(`MANAGE ${i + 1}.`, 1, n)),
  ],
};

async function readCrosswalk(framework: Exclude<FrameworkId, 'soc2'>, dir = CONTROLS_DIR): Promise<CrosswalkFile> {
  return JSON.parse(await readFile(join(dir, FRAMEWORK_FILES[framework]), 'utf8')) as CrosswalkFile;
}

/** The control ids the built-in collectors state by default, and those config/demo.yaml sets on its entries. */
async function emittedIds(): Promise<Map<string, string>> {
  const where = new Map<string, string>();
  for (const type of Object.keys(builtins.catalog)) {
    const collector = await loadCollector(type, ROOT, builtins.catalog);
    for (const id of collector.controls) where.set(id, `collector ${type}`);
  }
  const demo = parseYaml(await readFile(join(ROOT, 'config/demo.yaml'), 'utf8')) as { collectors: { id: string; controls?: string[] }[] };
  for (const entry of demo.collectors) for (const id of entry.controls ?? []) where.set(id, `config/demo.yaml entry ${entry.id}`);
  return where;
}

describe('the control catalog and crosswalks in evidence-schema/controls/', () => {
  it('validate against their JSON Schemas', async () => {
    const ajv = createAjv();
    const schema = async (name: string) => ajv.compile(JSON.parse(await readFile(join(CONTROLS_DIR, name), 'utf8')) as object);
    const catalog = await schema('catalog.schema.json');
    const crosswalk = await schema('crosswalk.schema.json');
    expect(catalog(JSON.parse(await readFile(join(CONTROLS_DIR, FRAMEWORK_FILES.soc2), 'utf8'))), JSON.stringify(catalog.errors)).toBe(true);
    for (const f of CROSSWALKS) expect(crosswalk(await readCrosswalk(f)), `${f}: ${JSON.stringify(crosswalk.errors)}`).toBe(true);
  });

  it('holds every SOC 2 criterion of the 2017 Trust Services Criteria, and nothing else', () => {
    expect(loadFramework('soc2').controls.map((c) => c.id)).toEqual(PUBLISHED.soc2);
    for (const c of loadFramework('soc2').controls) expect(c.title.length, c.id).toBeGreaterThan(10);
  });

  it('knows every control id the built-in collectors and the demo config emit', async () => {
    const soc2 = loadFramework('soc2');
    const ids = await emittedIds();
    expect(ids.size).toBeGreaterThan(10);
    const missing = [...ids].filter(([id]) => soc2.title(id) === undefined).map(([id, from]) => `${id} (${from})`);
    expect(missing).toEqual([]);
  });

  it('maps every emitted id in every crosswalk, with targets or a note saying why there are none', async () => {
    const ids = [...(await emittedIds()).keys()];
    for (const f of CROSSWALKS) {
      const crosswalk = await readCrosswalk(f);
      const entries = new Map(crosswalk.mappings.map((m) => [m.source, m]));
      for (const id of ids) {
        const m = entries.get(id);
        expect(m, `${f}: ${id}`).toBeDefined();
        expect(m!.targets.length > 0 || (m!.note ?? '') !== '', `${f}: ${id}`).toBe(true);
      }
    }
  });

  it.each(CROSSWALKS)('%s: sources are in the catalog; targets are well-formed, listed in the file and real', async (f) => {
    const crosswalk = await readCrosswalk(f);
    const catalog = new Set(loadFramework('soc2').controls.map((c) => c.id));
    const listed = new Set(crosswalk.controls.map((c) => c.id));
    expect(crosswalk.target.framework).toBe(f);
    expect(crosswalk.official).toBe(false);
    expect(crosswalk.status).toMatch(/own mapping/);
    expect(crosswalk.status).toMatch(/not an official/);
    for (const c of crosswalk.controls) expect(c.id, 'listed id').toMatch(WELL_FORMED[f]);
    if (f !== 'eu-ai-act') expect([...listed]).toEqual(PUBLISHED[f]);
    else for (const id of listed) expect(Number(id.slice(5)), id).toBeLessThanOrEqual(113);
    for (const m of crosswalk.mappings) {
      expect(catalog.has(m.source), m.source).toBe(true);
      for (const t of m.targets) {
        expect(t.id, `${m.source} -> ${t.id}`).toMatch(WELL_FORMED[f]);
        expect(listed.has(t.id), `${m.source} -> ${t.id}`).toBe(true);
        expect(t.rationale, `${m.source} -> ${t.id}`).not.toMatch(/\n/);
      }
    }
  });
});

describe('loadFramework', () => {
  it('maps a record’s SOC 2 ids to a framework’s ids, many to many, in the framework’s order', () => {
    const iso27001 = loadFramework('iso27001');
    expect(iso27001.map(['CC8.1', 'CC6.1'])).toEqual({
      ids: ['A.5.15', 'A.8.3', 'A.8.4', 'A.8.5', 'A.8.19', 'A.8.24', 'A.8.25', 'A.8.29', 'A.8.32'],
      unmapped: [],
    });
    // Two criteria that share a target give it once.
    expect(loadFramework('eu-ai-act').map(['C1.1', 'C1.2']).ids).toEqual(['Art. 10']);
    expect(iso27001.title('A.8.32')).toBe('Change management');
    expect(iso27001.targetsOf('CC8.1').map((t) => t.id)).toContain('A.8.32');
  });

  it('keeps a third-party collector’s own ids under soc2 and reports them unmapped elsewhere', () => {
    expect(loadFramework('soc2').map(['CC8.1', 'ACME-7', 'CC8.1'])).toEqual({ ids: ['CC8.1', 'ACME-7'], unmapped: [] });
    expect(loadFramework('iso42001').map(['CC8.1', 'ACME-7'])).toEqual({ ids: ['A.6.1.3', 'A.6.2.3', 'A.6.2.4', 'A.6.2.5'], unmapped: ['ACME-7'] });
    // A criterion the crosswalk maps to nothing is unmapped too.
    expect(loadFramework('iso42001').map(['CC6.1'])).toEqual({ ids: [], unmapped: ['CC6.1'] });
  });

  it('selects the SOC 2 ids behind a framework id, read as a person would type it', () => {
    expect(loadFramework('iso27001').select('A.8.32')).toEqual({ control: 'A.8.32', soc2Ids: ['CC8.1'] });
    expect(loadFramework('nist-ai-rmf').select('measure-2.7')).toEqual({ control: 'MEASURE 2.7', soc2Ids: ['CC6.1', 'CC6.7', 'A1.2'] });
    expect(loadFramework('eu-ai-act').select('Article 10')).toEqual({ control: 'Art. 10', soc2Ids: ['CC6.7', 'C1.1', 'C1.2', 'PI1.1', 'PI1.2', 'P4.2'] });
    expect(loadFramework('eu-ai-act').select('art.12').soc2Ids).toEqual(['CC7.2']);
    // Listed, but no criterion maps to it: a valid choice that no evidence selects.
    expect(loadFramework('iso27001').select('A.7.7')).toEqual({ control: 'A.7.7', soc2Ids: [] });
    expect(loadFramework('soc2').select('cc8.1')).toEqual({ control: 'CC8.1', soc2Ids: ['CC8.1'] });
    expect(loadFramework('soc2').select('ACME-7', ['CC8.1', 'ACME-7'])).toEqual({ control: 'ACME-7', soc2Ids: ['ACME-7'] });
  });

  it('maps and selects consistently: each is the other read backwards', () => {
    const soc2Ids = loadFramework('soc2').controls.map((c) => c.id);
    for (const f of CROSSWALKS) {
      const framework = loadFramework(f);
      for (const s of soc2Ids) for (const t of framework.map([s]).ids) expect(framework.select(t).soc2Ids, `${f}: ${s} -> ${t}`).toContain(s);
      for (const { id } of framework.controls)
        for (const s of framework.select(id).soc2Ids) expect(framework.map([s]).ids, `${f}: ${id} <- ${s}`).toContain(id);
    }
  });

  it('refuses an unknown framework or control, listing the valid choices', () => {
    expect(parseFramework(undefined)).toBe('soc2');
    expect(parseFramework('ISO42001')).toBe('iso42001');
    expect(() => parseFramework('iso9001')).toThrow(UnknownFrameworkError);
    expect(() => parseFramework('iso9001')).toThrow('unknown framework "iso9001": choose one of soc2, iso42001, iso27001, nist-ai-rmf, eu-ai-act');
    expect(() => loadFramework('iso27001').select('A.9.1')).toThrow(UnknownControlError);
    expect(() => loadFramework('iso27001').select('A.9.1')).toThrow(
      /unknown iso27001 control "A\.9\.1": choose one of A\.5\.1, A\.5\.2, .*A\.8\.34 \(listed in .*soc2-to-iso27001\.json\)/,
    );
    expect(() => loadFramework('soc2').select('ACME-7')).toThrow(/unknown soc2 control "ACME-7": choose one of CC1\.1, .*P8\.1 \(/);
    expect(() => loadFramework('soc2').select('ACME-8', ['ACME-7'])).toThrow(/P8\.1, ACME-7 \(/);
  });

  it('refuses a crosswalk with a malformed target, naming the file and the field', async () => {
    const dir = await tempDir();
    await cp(CONTROLS_DIR, dir, { recursive: true });
    const crosswalk = await readCrosswalk('iso27001', dir);
    crosswalk.mappings[0]!.targets[0]!.id = 'A.12.4.1';
    await writeFile(join(dir, FRAMEWORK_FILES.iso27001), JSON.stringify(crosswalk));
    const err = catchError(() => loadFramework('iso27001', { dir }));
    expect(err).toBeInstanceOf(ControlCatalogError);
    expect(err.message).toContain(join(dir, FRAMEWORK_FILES.iso27001));
    expect(err.message).toContain('mappings[0].targets[0].id: must match pattern');
  });

  it('refuses a crosswalk whose source is not in the catalog or whose target is not listed', async () => {
    const dir = await tempDir();
    await cp(CONTROLS_DIR, dir, { recursive: true });
    const crosswalk = await readCrosswalk('nist-ai-rmf', dir);
    crosswalk.mappings[0]!.source = 'CC9.9';
    crosswalk.controls = crosswalk.controls.filter((c) => c.id !== 'GOVERN 2.2');
    await writeFile(join(dir, FRAMEWORK_FILES['nist-ai-rmf']), JSON.stringify(crosswalk));
    const err = catchError(() => loadFramework('nist-ai-rmf', { dir }));
    expect(err).toBeInstanceOf(ControlCatalogError);
    expect((err as ControlCatalogError).problems).toEqual([
      'mappings[0].source: "CC9.9" is not in the SOC 2 catalog (soc2.json)',
      'mappings[0].targets[0].id: "GOVERN 2.2" is not listed in controls',
    ]);
  });
});

describe('the package', () => {
  it('ships the catalog, the crosswalks, their schemas and README', async () => {
    // --ignore-scripts: packing would otherwise run `prepare`, a full build.
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    const files = new Set((JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
    const expected = ['README.md', 'catalog.schema.json', 'crosswalk.schema.json', ...Object.values(FRAMEWORK_FILES)].map(
      (f) => `evidence-schema/controls/${f}`,
    );
    expect(expected.filter((f) => !files.has(f))).toEqual([]);
  });
});

function catchError(f: () => unknown): Error {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}
