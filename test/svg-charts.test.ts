import { describe, expect, it } from 'vitest';
import {
  barChart,
  type CoverageDay,
  coverageStrip,
  DAY_MARKS,
  type DayState,
  durationChart,
  escapeXml,
  formatDuration,
  STATUS_MARKS,
  type StatusPeriod,
  statusStrip,
} from '../src/audit/svg/index.js';
import { chromiumUnavailable, parseXml } from './helpers/browser.js';

const HOSTILE = '</svg><script>alert(1)</script><a href="x" onload=\'y\'>&amp;';
const STATES = Object.keys(DAY_MARKS) as DayState[];

function days(count: number, from = '2025-01-01', state: (i: number) => DayState = (i) => STATES[i % STATES.length]!): CoverageDay[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => ({ day: new Date(start + i * 86_400_000).toISOString().slice(0, 10), state: state(i) }));
}

const count = (svg: string, re: RegExp): number => svg.match(re)?.length ?? 0;

/** The charts with hostile text in every place text can go, for the escaping and well-formedness checks. */
function hostileCharts(): string[] {
  return [
    coverageStrip(
      days(40).map((d, i) => (i === 3 ? { ...d, detail: HOSTILE } : d)),
      { title: HOSTILE },
    ),
    statusStrip(
      [
        { period: HOSTILE, status: 'fail', detail: HOSTILE },
        { period: '2025-02', status: 'pass' },
      ],
      { title: HOSTILE },
    ),
    barChart([{ label: HOSTILE, value: 3, note: HOSTILE }], { title: HOSTILE, unit: HOSTILE }),
    durationChart([{ label: HOSTILE, seconds: 400, detail: HOSTILE }], { title: HOSTILE, objectiveSeconds: 300, objectiveLabel: HOSTILE }),
  ];
}

describe('escapeXml', () => {
  it('escapes markup and replaces what XML 1.0 cannot hold', () => {
    expect(escapeXml(`<a b="c" d='e'>&</a>`)).toBe('&lt;a b=&quot;c&quot; d=&apos;e&apos;&gt;&amp;&lt;/a&gt;');
    expect(escapeXml('nul\u0000 bell\u0007 tab\t nl\n')).toBe('nul\uFFFD bell\uFFFD tab\t nl\n');
    expect(escapeXml('lone \uD800 and \uDC00, pair \uD83D\uDE00')).toBe('lone \uFFFD and \uFFFD, pair \uD83D\uDE00');
  });
});

describe('coverage strip', () => {
  it('draws exactly one cell per day, in order, with its state', () => {
    const input = days(45, '2024-02-20');
    const svg = coverageStrip(input, { title: 'CC7.2' });
    const cells = [...svg.matchAll(/data-day="([^"]+)" data-state="([^"]+)"/g)].map((m) => ({ day: m[1], state: m[2] }));
    expect(cells).toEqual(input);
    expect(cells.map((c) => c.day)).toContain('2024-02-29');
  });

  it('wraps long windows into rows and still has one cell per day', () => {
    const svg = coverageStrip(days(366, '2024-01-01'), { title: 'a year' });
    expect(count(svg, /data-day=/g)).toBe(366);
    expect(count(svg, /class="strip-row"/g)).toBe(4);
    expect(count(coverageStrip(days(10), { title: 'short', daysPerRow: 3 }), /class="strip-row"/g)).toBe(4);
  });

  it('titles runs of days and names the image', () => {
    const input = days(10, '2025-03-01', (i) => (i >= 2 && i <= 4 ? 'gap' : 'evidenced'));
    const svg = coverageStrip(input, { title: 'CC6.1' });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]* role="img" aria-label="CC6.1: 10 days \(evidenced: 7, [^"]*unexplained gap: 3/);
    expect(svg).toContain('<title>2025-03-03 to 2025-03-05: unexplained gap, 3 days</title>');
    expect(svg).toContain('<title>2025-03-01 to 2025-03-02: evidenced, 2 days</title>');
    expect(count(svg, /<g class="run">/g)).toBe(3);
  });

  it('has a legend entry for every state and ticks for the first day, each month start and the last day', () => {
    const svg = coverageStrip(
      days(60, '2025-01-20', () => 'evidenced'),
      { title: 't' },
    );
    for (const mark of Object.values(DAY_MARKS)) expect(svg).toContain(`>${mark.label}: `);
    const ticks = [...svg.matchAll(/<text[^>]*font-size="10"[^>]*>(\d{4}-\d{2}-\d{2})<\/text>/g)].map((m) => m[1]);
    expect(ticks).toEqual(['2025-01-20', '2025-02-01', '2025-03-01', '2025-03-20']);
  });

  it('refuses days that are not consecutive calendar dates, and unknown states, naming the entry', () => {
    expect(() => coverageStrip([], { title: 'x' })).toThrow(/no days/);
    expect(() => coverageStrip([{ day: '2025-02-30', state: 'gap' }], { title: 'x' })).toThrow(/day 0 \("2025-02-30"\): not a calendar date/);
    expect(() =>
      coverageStrip(
        [
          { day: '2025-01-01', state: 'gap' },
          { day: '2025-01-03', state: 'gap' },
        ],
        { title: 'x' },
      ),
    ).toThrow(/day 1 \("2025-01-03"\): does not follow the day before it/);
    expect(() => coverageStrip([{ day: '2025-01-01', state: 'missing' as DayState }], { title: 'x' })).toThrow(/state "missing" is not one of/);
  });
});

describe('status strip', () => {
  it('draws one cell per period with its status, and a legend', () => {
    const statuses = Object.keys(STATUS_MARKS) as StatusPeriod['status'][];
    const periods = statuses.map((status, i) => ({ period: `2025-0${i + 1}`, status }));
    const svg = statusStrip(periods, { title: 'CC8.1 per month' });
    expect([...svg.matchAll(/data-period="([^"]+)" data-state="([^"]+)"/g)].map((m) => ({ period: m[1], status: m[2] }))).toEqual(periods);
    expect(svg).toContain('aria-label="CC8.1 per month: 5 periods (pass: 1, fail: 1, error: 1, info: 1, no record: 1)"');
    expect(() => statusStrip([{ period: 'p', status: 'bad' as StatusPeriod['status'] }], { title: 'x' })).toThrow(/period 0 \("p"\): status "bad"/);
  });
});

describe('bar chart', () => {
  it('writes values and shares of the total, in the order given', () => {
    const svg = barChart(
      [
        { label: 'agent', value: 3, note: '1 unreviewed' },
        { label: 'human', value: 1 },
      ],
      { title: 'Commits', unit: 'commits' },
    );
    expect(count(svg, /<g class="bar"/g)).toBe(2);
    expect(svg).toContain('<title>agent: 3 commits (75.0%), 1 unreviewed</title>');
    expect(svg).toContain('<title>human: 1 commits (25.0%)</title>');
    expect(barChart([{ label: 'a', value: 2 }], { title: 't', total: 8 })).toContain('2 (25.0%)');
    expect(barChart([{ label: 'a', value: 0 }], { title: 't' })).toContain('0 (—)');
  });

  it('cuts long labels on screen and keeps them whole in the title', () => {
    const long = 'a-very-long-model-name-that-goes-on-and-on-and-on-and-on-and-on-and-on.safetensors';
    const svg = barChart([{ label: long, value: 1 }], { title: 't' });
    expect(svg).toContain(`<title>${long}: 1 (100.0%)</title>`);
    expect(svg).toMatch(/>a-very-long[^<]*…<\/text>/);
  });

  it('refuses values that are not finite amounts', () => {
    expect(() => barChart([{ label: 'm', value: Number.NaN }], { title: 'x' })).toThrow(/row 0 \("m"\) value is NaN/);
    expect(() => barChart([{ label: 'm', value: -1 }], { title: 'x' })).toThrow(/value is -1/);
  });
});

describe('duration chart', () => {
  it('marks runs over the objective, and runs that did not complete', () => {
    const svg = durationChart(
      [
        { label: 'd1', seconds: 120 },
        { label: 'd2', seconds: 301 },
        { label: 'd3', seconds: null },
      ],
      { title: 'Drills', objectiveSeconds: 300, objectiveLabel: 'RTO' },
    );
    expect([...svg.matchAll(/data-over="(yes|no)"/g)].map((m) => m[1])).toEqual(['no', 'yes']);
    expect(svg).toContain('<title>d2: 5 min 01 s, over RTO</title>');
    expect(svg).toContain('<title>d3: did not complete</title>');
    expect(svg).toContain('aria-label="Drills: 3 runs, 1 over RTO 5 min, 1 did not complete"');
    expect(svg).toContain('<g class="objective">');
  });

  it('formats durations', () => {
    expect([0, 42, 47.5, 59.97, 60, 245, 299.6, 3600, 7380, 86_399].map(formatDuration)).toEqual([
      '0 s',
      '42 s',
      '47.5 s',
      '59.9 s',
      '1 min',
      '4 min 05 s',
      '4 min 59 s',
      '1 h',
      '2 h 03 min',
      '23 h 59 min',
    ]);
  });
});

describe('hostile text', () => {
  it('never reaches the markup unescaped', () => {
    for (const svg of hostileCharts()) {
      expect(svg).not.toContain('<script');
      expect(svg).not.toContain('</svg><');
      expect(svg).toContain('&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(count(svg, /<svg/g)).toBe(1);
    }
  });
});

describe.skipIf(chromiumUnavailable !== null)(`well-formed XML, parsed by chromium${chromiumUnavailable ? ` (skipped: ${chromiumUnavailable})` : ''}`, () => {
  it('parses every chart, hostile text included, as one <svg> document', async () => {
    const charts = [
      ...hostileCharts(),
      coverageStrip(days(400), { title: 'long' }),
      barChart([], { title: 'empty' }),
      durationChart([{ label: 'only', seconds: 0 }], { title: 'zero' }),
    ];
    const parsed = await parseXml(charts, 'script, foreignObject');
    expect(parsed).toEqual(charts.map(() => ({ error: null, root: 'svg', matches: 0 })));
  });

  it('sees one cell per day in the parsed document', async () => {
    const [parsed] = await parseXml([coverageStrip(days(92 + 31), { title: 'quarter and a month' })], 'rect[data-day]');
    expect(parsed).toEqual({ error: null, root: 'svg', matches: 123 });
  });

  it('reports a document that is not well-formed', async () => {
    const [parsed] = await parseXml(['<svg xmlns="http://www.w3.org/2000/svg"><title>a & b</title></svg>']);
    expect(parsed?.error).toMatch(/\S/);
  });
});
