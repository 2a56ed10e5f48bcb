import type { EvidenceRecord } from '../../record/types.js';
import type { MappedControls } from '../frameworks.js';
import type { ScannedRecord } from '../scan.js';
import { prop } from './ids.js';
import type { Observation, RelevantEvidence } from './types.js';
import { nameUuid } from './uuid.js';

/** The same record has the same observation UUID in every export, whatever the window or framework. */
export function observationUuid(record: EvidenceRecord): string {
  return nameUuid(`record\0${record.hash}`);
}

/** A subject (a repository, a model, …) is one UUID wherever and by whichever agent it was observed. */
function subjectUuid(record: EvidenceRecord): string {
  return nameUuid(`subject\0${record.subject.kind}\0${record.subject.id}`);
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0]!.trim();
  return line === '' ? text.trim() : line;
}

function description(record: EvidenceRecord): string {
  if (record.findings.length === 0) return record.summary;
  const lines = record.findings.map((f) => `- ${f.severity} ${f.code}: ${f.message}${f.ref ? ` (${f.ref})` : ''}`);
  return `${record.summary}\n\nFindings:\n${lines.join('\n')}`;
}

function evidence(s: ScannedRecord): RelevantEvidence[] {
  const { record } = s;
  return [
    {
      href: s.key,
      description: `The evidence record ${record.stream} #${record.seq}, at this key of the store; record-hash is its hash.`,
      props: [prop('record-hash', record.hash)],
    },
    ...record.attachments.map((a) => ({
      href: a.key,
      description: `Attachment ${a.name} (${a.mediaType}, ${a.size} bytes) of that record; sha256 is its content's.`,
      props: [prop('sha256', a.sha256)],
    })),
  ];
}

/**
 * One record as an observation. Summary and findings are the collector's text: carried as JSON strings, escaped
 * as JSON and nothing else, so the bytes an auditor reads are the record's.
 */
export function observationOf(s: ScannedRecord, mapped: MappedControls, sourceIds: boolean): Observation {
  const { record } = s;
  return {
    uuid: observationUuid(record),
    title: firstLine(record.summary),
    description: description(record),
    props: [
      prop('status', record.status),
      prop('stream', record.stream),
      prop('seq', String(record.seq)),
      prop('agent', record.agent.id),
      prop('collector-type', record.collector.type),
      prop('collector-version', record.collector.version),
      ...mapped.ids.map((id) => prop('control', id)),
      ...(sourceIds ? record.controls.map((id) => prop('soc2-criterion', id)) : []),
    ],
    methods: ['TEST'],
    subjects: [
      {
        'subject-uuid': subjectUuid(record),
        type: 'component',
        title: `${record.subject.kind} ${record.subject.id}`,
        props: [prop('subject-kind', record.subject.kind)],
      },
    ],
    'relevant-evidence': evidence(s),
    collected: record.observedAt,
  };
}
