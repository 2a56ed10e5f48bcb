import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { barChart, type CoverageDay, coverageStrip, type DayState, durationChart, escapeXml, type StatusPeriod, statusStrip } from '../src/audit/svg/index.js';
import { chromiumUnavailable, visitPage } from './helpers/browser.js';
import { tempDir } from './helpers/tmp.js';

const HOSTILE = '</svg><script>console.error("label escaped badly")</script><img src="https://example.com/x.png">';

/** 120 days from 2025-01-01 with every state present, runs of several days and a hostile detail. */
function demoDays(): CoverageDay[] {
  const pattern: DayState[] = ['evidenced', 'evidenced', 'evidenced', 'attempted', 'evidenced', 'explained', 'gap', 'gap', 'evidenced'];
  return Array.from({ length: 120 }, (_, i) => {
    const day = new Date(Date.UTC(2025, 0, 1 + i)).toISOString().slice(0, 10);
    const state: DayState = i < 5 ? 'outside' : pattern[i % pattern.length]!;
    return state === 'explained' ? { day, state, detail: HOSTILE } : { day, state };
  });
}

/** A page built only from the chart functions, as the report writer will build one: inline CSS, inline SVG. */
function demoPage(): string {
  const periods: StatusPeriod[] = ['pass', 'pass', 'fail', 'error', 'info', 'none', 'pass', 'pass', 'fail', 'pass', 'pass', 'pass', 'pass'].map(
    (status, i) => ({
      period: `2025-W${String(i + 1).padStart(2, '0')}`,
      status: status as StatusPeriod['status'],
    }),
  );
  const sections = [
    ['Coverage, day by day', coverageStrip(demoDays(), { title: `CC7.2 coverage ${HOSTILE}` })],
    ['Status over time', statusStrip(periods, { title: 'CC7.2 status per week' })],
    [
      'Model signatures per model',
      barChart(
        [
          { label: 'llama-3-8b-instruct.safetensors', value: 30, note: 'all verified' },
          { label: HOSTILE, value: 12, note: '2 unsigned' },
          { label: 'classifier-v2', value: 3 },
        ],
        { title: 'Signature checks per model', unit: 'checks' },
      ),
    ],
    [
      'Commits: agent vs human',
      barChart(
        [
          { label: 'agent', value: 164, note: '7 unreviewed' },
          { label: 'human', value: 96 },
        ],
        { title: 'Commit shares', unit: 'commits' },
      ),
    ],
    [
      'Failover drills',
      durationChart(
        [
          { label: '2025-01-14 drill', seconds: 212 },
          { label: '2025-02-11 drill', seconds: 388 },
          { label: '2025-03-11 drill', seconds: null, detail: 'replica never promoted' },
          { label: '2025-04-08 drill', seconds: 47.5 },
        ],
        { title: 'Failover drill durations', objectiveSeconds: 300, objectiveLabel: 'RTO' },
      ),
    ],
  ];
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Chart demo</title>',
    '<style>body{font-family:system-ui,sans-serif;margin:24px;color:#111}svg{display:block;max-width:100%;height:auto;margin:8px 0 24px}</style>',
    '</head><body><h1>Evidence report charts</h1>',
    ...sections.map(([heading, svg]) => `<section><h2>${escapeXml(heading!)}</h2>${svg}</section>`),
    '</body></html>',
  ].join('\n');
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Processes whose parent is this test worker (where the kit starts chromium), from /proc. */
async function children(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Fields after the parenthesised command name: state, then the parent's pid.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === process.pid) pids.push(Number(entry));
  }
  return pids;
}

describe.skipIf(chromiumUnavailable !== null)(`browser kit, real headless chromium${chromiumUnavailable ? ` (skipped: ${chromiumUnavailable})` : ''}`, () => {
  it('renders a page of our charts with no console message, no page error and no request leaving the file, and keeps a screenshot', async () => {
    const file = join(await tempDir(), 'charts.html');
    await writeFile(file, demoPage());
    const visit = await visitPage(file, 'svg-charts-demo');
    expect(visit.problems).toEqual([]);
    const png = await readFile(visit.screenshot);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).toBeGreaterThan(600); // width of the IHDR chunk: the page was laid out, not blank
    expect(gone(visit.pid)).toBe(true);
  });

  it('allows data: URIs inside the file', async () => {
    const file = join(await tempDir(), 'data-uri.html');
    const pixel = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
    await writeFile(file, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head><body><img alt="" src="${pixel}"></body></html>`);
    expect((await visitPage(file, 'kit-data-uri')).problems).toEqual([]);
  });

  it('catches a page that requests an external URL, and aborts the request', async () => {
    const file = join(await tempDir(), 'external.html');
    await writeFile(
      file,
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title><link rel="stylesheet" href="https://cdn.example.com/chart.css"></head><body>x</body></html>',
    );
    const visit = await visitPage(file, 'kit-external-request');
    expect(visit.requests).toEqual(['https://cdn.example.com/chart.css']);
    expect(visit.problems).toContain('request leaving the file: https://cdn.example.com/chart.css');
    expect(gone(visit.pid)).toBe(true);
  });

  it('catches a page that logs a console error, and one that throws', async () => {
    const file = join(await tempDir(), 'console.html');
    await writeFile(
      file,
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head><body><script>console.error("chart data missing"); console.warn("deprecated"); throw new TypeError("boom")</script></body></html>',
    );
    const visit = await visitPage(file, 'kit-console-error');
    expect(visit.console.map((c) => [c.type, c.text])).toEqual([
      ['error', 'chart data missing'],
      ['warning', 'deprecated'],
    ]);
    expect(visit.pageErrors).toEqual(['TypeError: boom']);
    expect(visit.requests).toEqual([]);
    expect(visit.problems).toHaveLength(3);
  });

  it('kills the browser when the visit fails', async () => {
    const before = await children();
    await expect(visitPage(join(await tempDir(), 'absent.html'), 'kit-absent-file')).rejects.toThrow(/ERR_FILE_NOT_FOUND/);
    expect(await children()).toEqual(before);
  });
});
