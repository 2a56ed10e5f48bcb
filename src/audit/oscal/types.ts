/**
 * The parts of OSCAL 1.0.6 assessment-results this export writes, as the official JSON Schema names them
 * (oscal_assessment-results_schema.json); only the members used here.
 */

export interface OscalProperty {
  name: string;
  value: string;
  ns?: string;
}

export interface SubjectReference {
  'subject-uuid': string;
  type: string;
  title: string;
  props: OscalProperty[];
}

export interface RelevantEvidence {
  href: string;
  description: string;
  props: OscalProperty[];
}

export interface Observation {
  uuid: string;
  title: string;
  description: string;
  props: OscalProperty[];
  methods: ['TEST'];
  subjects: SubjectReference[];
  'relevant-evidence': RelevantEvidence[];
  collected: string;
}

export type TargetState = 'satisfied' | 'not-satisfied';

export interface FindingTarget {
  type: 'objective-id';
  'target-id': string;
  title: string;
  props?: OscalProperty[];
  status: { state: TargetState; reason: 'pass' | 'fail' };
}

/** A finding without its related-observations, which are streamed after these members. */
export interface FindingHead {
  uuid: string;
  title: string;
  description: string;
  props: OscalProperty[];
  origins: { actors: { type: 'tool'; 'actor-uuid': string }[] }[];
  target: FindingTarget;
}
