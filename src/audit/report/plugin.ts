import type { EvidenceRecord } from '../../record/types.js';
import type { Html } from './html.js';

/**
 * A collector family's part of `evidence-agent report`: what matters most in its records, summarised as they are
 * read. The report reads a store once; an accumulator must keep small summaries (per subject, capped lists), never
 * the records, so memory does not grow with the window.
 */
export interface ReportAccumulator {
  /**
   * One record of the plugin's collector type observed in the window (agent notices are not passed). The records of
   * one stream come in seq order; streams of the same type (several agents) may interleave. The record comes from
   * the store, so its data may be of another version of the collector or hostile: check shapes, and let `html`
   * escape every string.
   */
  add(record: EvidenceRecord): void;
  /** The section's body, or null when there is nothing to show. */
  render(): Html | null;
}

export interface ReportPlugin {
  /** The collector type (`collector.type` of the records) this plugin summarises. */
  readonly type: string;
  /** The section's heading, e.g. "Model signatures". */
  readonly title: string;
  create(): ReportAccumulator;
}
