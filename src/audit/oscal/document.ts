import { AGENT_VERSION } from '../../package-root.js';
import { frameworkInfo } from '../coverage.js';
import type { Framework } from '../frameworks.js';
import type { AuditWindow } from '../scan.js';
import { controlToken, prop, TOOL_COMPONENT_UUID, TOOL_PARTY_UUID } from './ids.js';
import { nameUuid } from './uuid.js';

export const OSCAL_VERSION = '1.0.6';

/** How a finding's state is decided; said in the document (and the README), word for word the rule verdictOf applies. */
export const DECISION_RULE =
  'How each finding is decided: a control is satisfied when (1) every period of its grid in the window holds ' +
  'evidence, i.e. coverage is 100% as `evidence-agent coverage` computes it (a period is evidenced by a pass, fail or info ' +
  'record of a collector; error records, agent notices and explained gaps do not evidence it), (2) where its collectors ' +
  "report chained ranges (commit-trail), each subject's ranges cover the window without holes, and (3) no subject is " +
  'left failing: for each stream and subject, the last pass or fail record of the window is not a fail (a failure ' +
  'followed later in the window by a pass of the same subject is remediated; it stays in the observations but does ' +
  'not decide the finding). Otherwise it is not-satisfied. Under another framework, a control combines every stream ' +
  'whose records name a SOC 2 criterion mapped to it, as `evidence-agent coverage --framework` does, and is judged by ' +
  'the same rule. A finding relates every observation whose record names the control.';

export const EVIDENCE_HREFS =
  "Each observation is one evidence record. The href of its relevant evidence is the record's key relative to the " +
  "store root (see the store prop of the result), and record-hash is the record's hash: sha256 over the RFC 8785 " +
  'form of the record without its hash (evidence-schema/README.md), which `evidence-agent verify` re-computes. ' +
  'Attachments are listed the same way with their sha256. Subjects are referenced by UUIDs derived from their kind ' +
  'and id; no system security plan defines them.';

/** What one export is about; every UUID of the document except the observations' is derived from it. */
export interface ExportQuery {
  store: string;
  window: AuditWindow;
  framework: Framework;
}

function queryName(q: ExportQuery): string {
  return `${q.store}\0${q.window.from.toISOString()}\0${q.window.to.toISOString()}\0${q.framework.id}`;
}

export function documentUuid(q: ExportQuery): string {
  return nameUuid(`assessment-results\0${queryName(q)}`);
}

export function findingUuid(q: ExportQuery, control: string): string {
  return nameUuid(`finding\0${queryName(q)}\0${control}`);
}

const planUuid = (q: ExportQuery) => nameUuid(`plan\0${queryName(q)}`);

function frameworkNote(f: Framework): string {
  return f.id === 'soc2'
    ? `Controls are SOC 2 Trust Services Criteria. ${f.status}`
    : `Controls are ${f.name} ids, mapped from the SOC 2 criteria the records name through this project's own crosswalk ` +
        `(${frameworkInfo(f).file}), which is not an official mapping: ${f.status}`;
}

/**
 * `last-modified` is the observation time of the newest record the document holds (the window's start when it
 * holds none), not the time of the export: so two exports of the same store are byte for byte the same.
 */
export function metadata(q: ExportQuery, lastModified: string): object {
  const f = q.framework;
  return {
    title: `Assessment results: ${f.name}, evidence of ${q.store} from ${q.window.from.toISOString()} to ${q.window.to.toISOString()}`,
    'last-modified': lastModified,
    version: '1.0',
    'oscal-version': OSCAL_VERSION,
    props: [prop('framework', f.id)],
    parties: [
      {
        uuid: TOOL_PARTY_UUID,
        type: 'organization',
        name: 'evidence-agent',
        props: [prop('tool-version', AGENT_VERSION)],
        remarks:
          `The tool that wrote this document, evidence-agent ${AGENT_VERSION}, named as a party because OSCAL 1.0 metadata ` +
          'has no place for a tool; the result lists it again as a software component.',
      },
    ],
    remarks: `${DECISION_RULE}\n\n${frameworkNote(f)}\n\nlast-modified is the observation time of the newest record held, not the time of the export, so that two exports of the same store are identical.`,
  };
}

export function importAp(q: ExportQuery): object {
  return {
    href: `#${planUuid(q)}`,
    remarks:
      'No assessment plan is imported: evidence-agent exports what its evidence store shows, not the results of an ' +
      'assessment planned in OSCAL. The href names the back-matter resource that states, in place of a plan, the query ' +
      'this document answers (store, window, framework); an assessor who holds an OSCAL assessment plan may point it there.',
  };
}

export function backMatter(q: ExportQuery): object {
  const from = q.window.from.toISOString();
  const to = q.window.to.toISOString();
  return {
    resources: [
      {
        uuid: planUuid(q),
        title: 'The query this document answers, in place of an assessment plan',
        description: `evidence-agent export --format oscal --store ${q.store} --from ${from} --to ${to} --framework ${q.framework.id}`,
        props: [prop('store', q.store), prop('window-start', from), prop('window-end', to), prop('framework', q.framework.id)],
      },
    ],
  };
}

/** The result's members before its observations; `controls` are the framework's ids the evidence names, in its order. */
export function resultHead(q: ExportQuery, controls: readonly string[]): object {
  const f = q.framework;
  const selection =
    controls.length === 0
      ? [{ description: `None: no record of the window names a SOC 2 criterion that maps to a ${f.name} control.` }]
      : [{ 'include-controls': controls.map((c) => ({ 'control-id': controlToken(c) })) }];
  return {
    uuid: nameUuid(`result\0${queryName(q)}`),
    title: `Evidence observed from ${q.window.from.toISOString()} to ${q.window.to.toISOString()}`,
    description: `Every record of ${q.store} observed in the window, one observation each, and one finding for each ${f.name} control the records name.`,
    start: q.window.from.toISOString(),
    end: q.window.to.toISOString(),
    props: [prop('store', q.store), prop('framework', f.id)],
    'local-definitions': {
      components: [
        {
          uuid: TOOL_COMPONENT_UUID,
          type: 'software',
          title: 'evidence-agent',
          description: 'The program that exported this document from the evidence store and decided its findings.',
          props: [prop('tool-version', AGENT_VERSION)],
          status: { state: 'operational' },
        },
      ],
    },
    'reviewed-controls': {
      description: `The ${f.name} controls named by the records of the window${f.id === 'soc2' ? '' : " through this project's own crosswalk from SOC 2"}.`,
      'control-selections': selection,
    },
  };
}

export function resultRemarks(q: ExportQuery, unmapped: readonly string[]): string {
  const parts = [DECISION_RULE, EVIDENCE_HREFS, frameworkNote(q.framework)];
  if (unmapped.length > 0) {
    parts.push(`SOC 2 ids the records name that the crosswalk maps to no ${q.framework.name} control, so no finding here: ${unmapped.join(', ')}.`);
  }
  return parts.join('\n\n');
}
