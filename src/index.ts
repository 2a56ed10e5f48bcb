/** The public API: what a third-party collector or an embedding program uses. */
export { defineCollector } from './collector/contract.js';
export type {
  Attachment,
  AttachmentInput,
  Clock,
  Collector,
  CollectorContext,
  EvidenceRecord,
  Finding,
  JsonObject,
  JsonSchema,
  JsonValue,
  RecordDraft,
  RecordStatus,
  RouteHandler,
  RouteRegistry,
  Severity,
  Subject,
} from './collector/contract.js';
export { canonicalize, CanonicalizationError } from './record/canonical-json.js';
export { recordHash } from './record/hash.js';
export { validateRecord } from './record/validate.js';
export { FileStore } from './store/file-store.js';
export { StoreConflictError, StoreError } from './store/types.js';
export type { EvidenceStore, Immutability, PutBody, PutResult } from './store/types.js';
export { verifyStore } from './verify/verify.js';
export type { VerifyOptions, VerifyReport } from './verify/verify.js';
export type { VerifyProblem, ProblemKind } from './verify/problems.js';
