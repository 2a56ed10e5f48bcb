import { defineCollector, type JsonObject } from '../../src/collector/contract.js';
import { checkModel, defaultSignaturePath, type ModelCheck } from '../../src/model-signing/check-model.js';
import { findApproval, readLedger, type LedgerEntry } from '../../src/model-signing/ledger.js';
import { isRemote } from '../../src/model-signing/model-location.js';
import { failsModel, modelFinding } from '../../src/model-signing/problems.js';
import type { RemoteSettings } from '../../src/model-signing/model-location.js';
import { optionsSchema } from './options-schema.js';
import { loadPolicy, type VerifyOptions } from '../../src/model-signing/policy.js';

export interface ModelSignaturesOptions extends RemoteSettings {
  models: { name: string; path: string; signature?: string }[];
  verify: VerifyOptions;
  ledger?: string;
  ignorePaths: string[];
  allowUnsignedFiles: boolean;
  concurrency?: number;
}

function payload(name: string, check: ModelCheck, ledger: { checked: boolean; entry: LedgerEntry | null }): JsonObject {
  const { manifest, signer } = check;
  return {
    name,
    path: check.path,
    signature: check.signaturePath,
    subjectDigest: manifest ? `sha256:${manifest.subjectDigest}` : null,
    format: manifest?.format ?? null,
    method: signer?.method ?? null,
    serialization: manifest?.serialization.method ?? null,
    signer: signer
      ? {
          ...(signer.keyHint ? { keyHint: signer.keyHint } : {}),
          ...(signer.certificateSubject ? { certificateSubject: signer.certificateSubject } : {}),
          ...(signer.identity ? { identity: signer.identity, issuer: signer.issuer ?? null } : {}),
        }
      : null,
    transparencyLogIndex: signer?.transparencyLogIndex ?? null,
    fileCount: check.fileCount,
    totalBytes: check.totalBytes,
    ledgerChecked: ledger.checked,
    ledgerEntry: ledger.entry ? ({ ...ledger.entry } as JsonObject) : null,
    hashSeconds: Math.round(check.hashSeconds * 1000) / 1000,
    throughputMBps: check.hashSeconds > 0 ? Math.round(check.totalBytes / 1e6 / check.hashSeconds) : null,
  };
}

export default defineCollector<ModelSignaturesOptions>({
  type: 'model-signatures',
  version: '1.0.0',
  description: 'Verifies deployed model artifacts against their OpenSSF model signatures and the approved-models ledger.',
  controls: ['CC8.1', 'CC6.1', 'PI1.2'],
  optionsSchema,

  async *collect(ctx) {
    const o = ctx.options;
    const policy = await loadPolicy(o.verify, ctx.resolvePath);
    const ledger = o.ledger ? await readLedger(ctx.resolvePath(o.ledger)) : null;
    for (const model of o.models) {
      const path = isRemote(model.path) ? model.path : ctx.resolvePath(model.path);
      const signature = model.signature ? (isRemote(model.signature) ? model.signature : ctx.resolvePath(model.signature)) : defaultSignaturePath(path);
      ctx.log.info({ model: model.name, path }, 'checking model signature');
      const check = await checkModel(path, signature, {
        policy,
        ignorePaths: o.ignorePaths,
        allowUnsignedFiles: o.allowUnsignedFiles,
        signal: ctx.signal,
        ...(o.concurrency ? { concurrency: o.concurrency } : {}),
        ...(o.s3 ? { s3: o.s3 } : {}),
        ...(o.gcs ? { gcs: o.gcs } : {}),
      });
      const entry = ledger && check.manifest ? (findApproval(ledger, model.name, check.manifest.subjectDigest) ?? null) : null;
      if (ledger && check.manifest && !entry) {
        check.findings.push(modelFinding('not-in-ledger', `subject digest sha256:${check.manifest.subjectDigest} of ${model.name} is not approved in the ledger`, model.name));
      }
      const failing = check.findings.filter(failsModel);
      yield {
        subject: { kind: 'model', id: model.name },
        status: failing.length === 0 ? 'pass' : 'fail',
        summary:
          failing.length === 0
            ? `${model.name}: signature verified, ${check.fileCount} files match${entry ? ', approved in the ledger' : ''}.`
            : `${model.name}: ${failing.length} problem${failing.length > 1 ? 's' : ''} (${[...new Set(failing.map((f) => f.code))].join(', ')}).`,
        findings: check.findings,
        data: payload(model.name, check, { checked: ledger !== null, entry }),
      };
    }
  },
});
