/**
 * What each event of a bench stream becomes: a collector's draft with its
 * payload (and, for commits, a commits.jsonl attachment), or one of the
 * agent's notices, shaped as the runner and the daemon write them.
 */
import { createHash } from 'node:crypto';
import type { JsonObject, RecordCadence, RecordDraft, RecordStatus } from '../src/record/types.js';
import type { PlannedStream, StreamEvent } from './audit-streams.js';

export interface BenchDraft {
  draft: RecordDraft<JsonObject>;
  /** A notice uses the agent's notice schema; anything else its stream's kind's schema. */
  notice: boolean;
  attachment?: { name: string; mediaType: string; bytes: Buffer };
}

/** What a stream carries from one record to the next: the commit its next range starts from, and a counter. */
export interface StreamState {
  lastCommit: string | null;
  counter: number;
}

const hex = (algorithm: 'sha1' | 'sha256', text: string) => createHash(algorithm).update(text).digest('hex');
const AUTHORS = ['alice', 'bob', 'carol', 'dan', 'dependabot[bot]', 'claude'];

function status(next: () => number): RecordStatus {
  const r = next();
  return r < 0.9 ? 'pass' : r < 0.98 ? 'fail' : 'info';
}

function notice(stream: PlannedStream, event: StreamEvent): BenchDraft {
  const id = stream.spec.id;
  const subject = { kind: 'collector', id };
  const iso = (t: number) => new Date(t).toISOString();
  if (event.type === 'error') {
    const message = 'connect ETIMEDOUT 10.0.0.7:443';
    return {
      notice: true,
      draft: {
        subject,
        status: 'error',
        summary: `Collector ${id} (${stream.spec.kind}) failed; evidence for this run is incomplete.`,
        findings: [{ code: 'collector-error', severity: 'high', message }],
        data: { error: { name: 'Error', message }, recordsBeforeFailure: 0 },
      },
    };
  }
  // Only streams on a schedule skip or miss runs.
  const { schedule, timezone } = stream.cadence as Extract<RecordCadence, { schedule: string }>;
  if (event.type === 'skipped') {
    return {
      notice: true,
      draft: {
        subject,
        status: 'info',
        summary: `The run of ${id} due at ${iso(event.since!)} was skipped: the previous run was still going.`,
        data: { notice: 'run-skipped', scheduledAt: iso(event.since!), schedule },
      },
    };
  }
  return {
    notice: true,
    draft: {
      subject,
      status: 'info',
      summary: `${event.missed} scheduled runs of ${id} were missed between ${iso(event.since!)} and ${iso(event.at)} while the agent was not running.`,
      data: { notice: 'missed-runs', from: iso(event.since!), to: iso(event.at), missedRuns: event.missed!, capped: false, schedule, timezone },
    },
  };
}

/** The draft of one event; `next` draws the run's details. */
export function draftOf(stream: PlannedStream, event: StreamEvent, state: StreamState, next: () => number): BenchDraft {
  if (event.type !== 'run') return notice(stream, event);
  const n = state.counter++;
  const tag = `${stream.stream}:${n}`;
  switch (stream.spec.kind) {
    case 'model': {
      const name = `model-${n % 40}-v${Math.floor(n / 40)}`;
      const verified = next() < 0.97;
      return {
        notice: false,
        draft: {
          subject: { kind: 'model', id: name },
          status: verified ? 'pass' : 'fail',
          summary: `${name}: signature ${verified ? 'verified' : 'missing'}.`,
          ...(verified ? {} : { findings: [{ code: 'unsigned-model', severity: 'high', message: `${name} has no signature` }] }),
          data: { name, digest: hex('sha256', tag), verified },
        },
      };
    }
    case 'commits':
      return commits(stream, state, n, next);
    case 'logs': {
      const files = Array.from({ length: 1 + Math.floor(next() * 4) }, (_, i) => ({
        path: `/var/log/app/${n}-${i}.log`,
        lines: 1000 + Math.floor(next() * 9000),
        redacted: Math.floor(next() * 20),
      }));
      return {
        notice: false,
        draft: { subject: { kind: 'log-source', id: 'app' }, status: status(next), summary: `${files.length} log files sampled.`, data: { files } },
      };
    }
    case 'access':
      return {
        notice: false,
        draft: {
          subject: { kind: 'system', id: 'okta' },
          status: status(next),
          summary: 'Access review completed.',
          data: { system: 'okta', accounts: 200 + Math.floor(next() * 50), revoked: Math.floor(next() * 3) },
        },
      };
    case 'lineage': {
      const datasets = Array.from({ length: 1 + Math.floor(next() * 3) }, (_, i) => ({ name: `dataset-${i}@${n}`, sha256: hex('sha256', `${tag}:${i}`) }));
      return {
        notice: false,
        draft: { subject: { kind: 'pipeline', id: 'training' }, status: status(next), summary: `${datasets.length} datasets traced.`, data: { datasets } },
      };
    }
    case 'failover':
      return {
        notice: false,
        draft: {
          subject: { kind: 'service', id: 'inference' },
          status: status(next),
          summary: 'Failover drill run.',
          data: { drills: [{ id: `drill-${n}`, service: 'inference', rtoSeconds: 30 + Math.floor(next() * 60) }] },
        },
      };
    case 'scan':
      return {
        notice: false,
        draft: {
          subject: { kind: 'repository', id: 'app' },
          status: status(next),
          summary: 'Dependencies scanned.',
          data: { packages: 900 + Math.floor(next() * 100), findings: Math.floor(next() * 4) },
        },
      };
    case 'events':
      return {
        notice: false,
        draft: {
          subject: { kind: 'endpoint', id: `api-${n % 16}` },
          status: status(next),
          summary: `Event ${n} checked.`,
          data: { event: `evt-${n}`, actor: AUTHORS[n % AUTHORS.length]!, resource: `/v1/resource/${n % 997}` },
        },
      };
  }
}

/**
 * A range of commits chained to the previous record's, as commit-trail writes them: a few inline in `data.commits`,
 * most as the lines of a commits.jsonl attachment.
 */
function commits(stream: PlannedStream, state: StreamState, n: number, next: () => number): BenchDraft {
  const count = 1 + Math.floor(next() * 40);
  const list = Array.from({ length: count }, (_, i) => {
    const author = AUTHORS[Math.floor(next() * AUTHORS.length)]!;
    return { id: hex('sha1', `${stream.stream}:${n}:${i}`), author, agent: author === 'claude', reviewed: next() < 0.95 };
  });
  const from = state.lastCommit;
  const to = list.at(-1)!.id;
  state.lastCommit = to;
  const unreviewed = list.filter((c) => c.agent && !c.reviewed).length;
  const base = {
    subject: { kind: 'repository', id: stream.spec.agent === 'ci-1' ? 'platform' : 'models' },
    status: unreviewed > 0 ? ('fail' as const) : ('pass' as const),
    summary: `${count} commits, ${unreviewed} agent commits without review.`,
  };
  const data = { repo: base.subject.id, range: { from: { commit: from }, to: { commit: to } }, count };
  if (count <= 2) return { notice: false, draft: { ...base, data: { ...data, commits: list } } };
  const bytes = Buffer.from(`${list.map((c) => JSON.stringify(c)).join('\n')}\n`, 'utf8');
  return { notice: false, draft: { ...base, data }, attachment: { name: 'commits.jsonl', mediaType: 'application/jsonl', bytes } };
}
