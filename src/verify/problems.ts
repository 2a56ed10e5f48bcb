export type ProblemKind =
  | 'unreadable'
  | 'schema'
  | 'payload-schema'
  | 'hash-mismatch'
  | 'key-mismatch'
  | 'seq-gap'
  | 'prev-mismatch'
  | 'fork'
  | 'attachment-missing'
  | 'attachment-mismatch'
  | 'stray-object'
  | 'empty-store'
  | 'overwrite-attempt'
  | 'delete-marker'
  | 'lock-missing'
  | 'lock-too-short'
  | 'checkpoint-invalid'
  | 'checkpoint-signature'
  | 'checkpoint-chain'
  | 'checkpoint-head-missing'
  | 'checkpoint-head-mismatch'
  | 'checkpoint-missing'
  | 'checkpoint-uncovered'
  | 'checkpoint-rollback'
  | 'witness-rollback'
  | 'witness-mismatch'
  | 'witness-invalid'
  | 'witness-overwritten'
  | 'witness-missing'
  | 'checkpoint-timestamp'
  | 'checkpoint-timestamp-skew'
  | 'checkpoint-timestamp-missing'
  | 'package-manifest'
  | 'package-file-missing'
  | 'package-file-mismatch'
  | 'package-file-unlisted'
  | 'package-selected-missing'
  | 'package-continuity';

export interface VerifyProblem {
  kind: ProblemKind;
  /** The store key of the object at fault. */
  key: string;
  stream?: string;
  seq?: number;
  message: string;
}
