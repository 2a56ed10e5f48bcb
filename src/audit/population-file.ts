import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { besideOutput, publishFile, refuseExisting, TextFile } from './output-file.js';
import type { Population, PopulationHeader, PopulationRow, PopulationUnit } from './population.js';

export type PopulationFormat = 'csv' | 'jsonl';

const RECORD_COLUMNS = ['key', 'hash', 'stream', 'seq', 'observedAt', 'status', 'subjectKind', 'subjectId', 'controls', 'frameworkControls'] as const;
const ITEM_COLUMNS = ['itemId', ...RECORD_COLUMNS, 'attachment'] as const;

/** The format an output file's name asks for; null for any other name. */
export function populationFormatOf(path: string): PopulationFormat | null {
  if (path.endsWith('.csv')) return 'csv';
  if (path.endsWith('.jsonl')) return 'jsonl';
  return null;
}

/**
 * RFC 4180: a field holding a comma, a quote or a line break is quoted, with its quotes doubled. A list of control
 * ids is joined with ";", which no framework's ids hold (some hold spaces: `MEASURE 2.7`, `Art. 12`).
 */
function csvField(value: string | number | readonly string[] | undefined): string {
  const text = value === undefined ? '' : Array.isArray(value) ? value.join(';') : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function columnsOf(unit: PopulationUnit): readonly (keyof PopulationRow)[] {
  return unit === 'item' ? ITEM_COLUMNS : RECORD_COLUMNS;
}

function rowLine(row: PopulationRow, format: PopulationFormat, columns: readonly (keyof PopulationRow)[]): string {
  return format === 'csv' ? `${columns.map((c) => csvField(row[c])).join(',')}\n` : `${JSON.stringify(row)}\n`;
}

/** The header as the file's first line(s): a JSON Lines line, or a CSV comment line (`# ` and the same JSON) and the column names. */
function headerText(header: PopulationHeader, format: PopulationFormat): string {
  const json = JSON.stringify({ population: header });
  return format === 'csv' ? `# ${json}\n${columnsOf(header.query.unit).join(',')}\n` : `${json}\n`;
}

/**
 * Writes a population file in one pass over the store: the rows go to a file beside the output while they are read,
 * then the header (which needs the row count and heads) and the rows are written to another, which is moved into
 * place. Memory does not grow with the population.
 */
export async function writePopulationFile(population: Population, out: string, format: PopulationFormat): Promise<PopulationHeader> {
  await refuseExisting(out);
  const body = besideOutput(out, 'rows');
  const whole = besideOutput(out, 'partial');
  try {
    const rows = await TextFile.open(body);
    try {
      const columns = columnsOf(population.query.unit);
      for await (const { row } of population.entries()) await rows.write(rowLine(row, format, columns));
    } finally {
      await rows.close();
    }
    const header = await population.header();
    const file = await TextFile.open(whole);
    await file.write(headerText(header, format));
    await pipeline(createReadStream(body), file.writable);
    await publishFile(whole, out);
    return header;
  } finally {
    await rm(body, { force: true });
    await rm(whole, { force: true });
  }
}
