import type { EvidenceRecord } from '../record/types.js';

/** Finding lines printed under the snapshot table at most; `--json` prints every record in full. */
export const MAX_FINDING_LINES = 20;

const FULL = 'snapshot --json prints every record in full';

/** What of a record the findings block shows. */
export type ShownRecord = Pick<EvidenceRecord, 'stream' | 'seq' | 'status' | 'subject' | 'findings' | 'summary'>;

export function isFailing(record: ShownRecord): boolean {
  return record.status === 'fail' || record.status === 'error';
}

/**
 * What failed, for a person reading a snapshot: each failing (`fail`, `error`) record's stream and subject,
 * then its findings (severity, code, ref, message), or its summary when it has none. At most `maxLines`
 * finding lines, shared out in turns so that one record with many findings does not hide the others. Empty
 * when nothing failed.
 */
export function formatFailingFindings(records: readonly ShownRecord[], maxLines = MAX_FINDING_LINES): string {
  const failing = records.filter(isFailing).sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : a.seq - b.seq));
  if (failing.length === 0) return '';
  const items = failing.map((r) => (r.findings.length > 0 ? r.findings.map((f) => [f.severity, f.code, f.ref ?? '-', f.message]) : [['', '', '', r.summary]]));
  const shown = items.map(() => 0);
  let budget = maxLines;
  while (budget > 0 && items.some((lines, i) => shown[i]! < lines.length)) {
    items.forEach((lines, i) => {
      if (budget > 0 && shown[i]! < lines.length) {
        shown[i]!++;
        budget--;
      }
    });
  }
  const visible = items.flatMap((lines, i) => lines.slice(0, shown[i]));
  const widths = [0, 1, 2].map((c) => Math.max(...visible.map((cells) => cells[c]!.length)));
  const out = ['Findings of failing records:'];
  let hiddenRecords = 0;
  failing.forEach((r, i) => {
    if (shown[i] === 0) {
      hiddenRecords++;
      return;
    }
    out.push(`${r.stream}  ${r.subject.kind}:${r.subject.id}  ${r.status}`);
    for (const cells of items[i]!.slice(0, shown[i])) {
      out.push(
        cells[0]
          ? `  ${cells
              .slice(0, 3)
              .map((c, col) => c.padEnd(widths[col]!))
              .join('  ')}  ${cells[3]}`
          : `  ${cells[3]}`,
      );
    }
    const more = items[i]!.length - shown[i]!;
    if (more > 0) out.push(`  … and ${more} more ${more === 1 ? 'finding' : 'findings'}; ${FULL}`);
  });
  if (hiddenRecords > 0) out.push(`… and ${hiddenRecords} more failing ${hiddenRecords === 1 ? 'record' : 'records'}; ${FULL}`);
  return `${out.join('\n')}\n`;
}
