/** The public API: what a third-party collector or an embedding program uses. */
export { default as Type, type Static } from 'typebox';
export type { AgentPlugins, CommandPlugin, RunAction } from './cli/plugins.js';
export type {
  Attachment,
  AttachmentInput,
  Clock,
  Collector,
  CollectorContext,
  EvidenceRecord,
  Finding,
  InstanceContext,
  JsonObject,
  JsonSchema,
  JsonValue,
  RecordDraft,
  RecordStatus,
  RouteHandler,
  RouteRegistry,
  Severity,
  StartContext,
  Subject,
  TypedCollector,
} from './collector/contract.js';
export { defineCollector } from './collector/contract.js';
export type { CollectorCatalog } from './collector/registry.js';
export { CanonicalizationError, canonicalize } from './record/canonical-json.js';
export { recordHash } from './record/hash.js';
export { validateRecord } from './record/validate.js';
export { FileStore } from './store/file-store.js';
export type { EvidenceStore, Immutability, PutBody, PutResult } from './store/types.js';
export { StoreConflictError, StoreError } from './store/types.js';
export type { ProblemKind, VerifyProblem } from './verify/problems.js';
export type { VerifyOptions, VerifyReport } from './verify/verify.js';
export { verifyStore } from './verify/verify.js';
