import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../format/statement.js';
import { failsModel, modelFinding } from '../judge/findings.js';
import { judgeModel } from '../judge/judge-model.js';
import { findApproval, ledgerApproval } from '../judge/ledger-approval.js';
import { recordData } from '../judge/record-data.js';
import { signatureFindings } from '../judge/signature-findings.js';
import { compareSignedFiles } from '../judge/signed-files.js';
import type { LedgerEntry } from '../observe/ledger.js';
import type { ModelObservation } from '../observe/observe-model.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const WEIGHTS = sha256('weights');
const CONFIG = sha256('{"layers": 12}\n');
const SUBJECT = sha256('subject');

function manifest(resources: Record<string, string>, format: Manifest['format'] = 'v1.0'): Manifest {
  return {
    format,
    modelName: 'fraud-detector',
    serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false },
    resources: new Map(Object.entries(resources)),
    subjectDigest: SUBJECT,
  };
}

type Read = Extract<ModelObservation, { problem?: undefined }>;

/** What observeModel returns for a model whose files hash to `actual`, signed by a key over `signed`. */
function observed(signed: Manifest, actual: Record<string, string>, encoding: 'standard' | 'legacy' = 'standard'): Read {
  const resources = Object.entries(actual).map(([name, digest]) => ({ name, digest, size: 7 }));
  return {
    path: '/models/fraud-detector',
    signaturePath: '/models/fraud-detector/model.sig',
    signer: { method: 'key', keyHint: 'abc123', encoding },
    manifest: signed,
    resources,
    fileCount: resources.length,
    totalBytes: 7 * resources.length,
    hashSeconds: 0.5,
  };
}

const approved: LedgerEntry = {
  name: 'fraud-detector',
  version: '12',
  digest: `sha256:${SUBJECT}`,
  approvedBy: 'alice@example.com',
  approvedAt: '2026-11-01T10:00:00Z',
};

describe('findings', () => {
  it('gives each code its severity, and fails a model on anything but a legacy format', () => {
    expect(modelFinding('file-digest-mismatch', 'changed', 'w.bin')).toEqual({
      code: 'file-digest-mismatch',
      severity: 'critical',
      message: 'changed',
      ref: 'w.bin',
    });
    expect(modelFinding('not-in-ledger', 'not approved')).toEqual({ code: 'not-in-ledger', severity: 'high', message: 'not approved' });
    expect(failsModel(modelFinding('legacy-format', 'old'))).toBe(false);
    expect(modelFinding('legacy-format', 'old').severity).toBe('low');
    expect(failsModel(modelFinding('file-unsigned', 'extra'))).toBe(true);
  });
});

describe('compareSignedFiles', () => {
  it('finds nothing when every signed file is there unchanged', () => {
    expect(
      compareSignedFiles(
        manifest({ 'w.bin': WEIGHTS, 'config.json': CONFIG }),
        observed(manifest({}), { 'config.json': CONFIG, 'w.bin': WEIGHTS }).resources,
        false,
      ),
    ).toEqual([]);
  });

  it('names each missing, changed and unsigned file, signed ones first in the order signed', () => {
    const signed = manifest({ 'w.bin': WEIGHTS, 'config.json': CONFIG });
    const actual = [
      { name: 'extra.py', digest: sha256('print(1)'), size: 8 },
      { name: 'w.bin', digest: sha256('weightz'), size: 7 },
    ];
    expect(compareSignedFiles(signed, actual, false)).toEqual([
      { code: 'file-digest-mismatch', severity: 'critical', message: `w.bin hashes to ${sha256('weightz')}, but ${WEIGHTS} was signed`, ref: 'w.bin' },
      { code: 'file-missing', severity: 'high', message: 'config.json was signed but is not in the model', ref: 'config.json' },
      { code: 'file-unsigned', severity: 'high', message: 'extra.py is in the model but not covered by the signature', ref: 'extra.py' },
    ]);
    expect(compareSignedFiles(signed, actual, true).map((f) => f.code)).toEqual(['file-digest-mismatch', 'file-missing']);
  });
});

describe('signatureFindings', () => {
  it('reports the problem that stopped the reading, and nothing about files it never hashed', () => {
    const stopped: ModelObservation = {
      path: '/m',
      signaturePath: '/m/model.sig',
      fileCount: 0,
      totalBytes: 0,
      hashSeconds: 0,
      problem: { code: 'signature-missing', message: 'no signature at /m/model.sig', ref: '/m/model.sig' },
    };
    expect(signatureFindings(stopped, false)).toEqual([
      { code: 'signature-missing', severity: 'critical', message: 'no signature at /m/model.sig', ref: '/m/model.sig' },
    ]);
  });

  it('says a legacy format first, whether the predicate or only the encoding was legacy, then what the files show', () => {
    const legacyPredicate = observed(manifest({ 'w.bin': WEIGHTS }, 'legacy-v0.1'), { 'w.bin': WEIGHTS });
    expect(signatureFindings(legacyPredicate, false)).toEqual([expect.objectContaining({ code: 'legacy-format', severity: 'low' })]);
    const legacyEncoding = observed(manifest({ 'w.bin': WEIGHTS }), { 'w.bin': WEIGHTS, 'x.py': CONFIG }, 'legacy');
    expect(signatureFindings(legacyEncoding, false).map((f) => f.code)).toEqual(['legacy-format', 'file-unsigned']);
  });

  it('keeps the legacy-format finding before a problem met after the statement was read', () => {
    const { path, signaturePath, signer, manifest: signed } = observed(manifest({ 'w.bin': WEIGHTS }, 'legacy-v0.1'), {});
    const stopped: ModelObservation = {
      path,
      signaturePath,
      signer,
      manifest: signed,
      fileCount: 0,
      totalBytes: 0,
      hashSeconds: 0,
      problem: { code: 'model-unreadable', message: 'shard-serialized models are checked on local disk only' },
    };
    expect(signatureFindings(stopped, false).map((f) => f.code)).toEqual(['legacy-format', 'model-unreadable']);
  });
});

describe('ledgerApproval', () => {
  it('finds the entry for the name and the signed subject digest', () => {
    expect(findApproval([approved], 'fraud-detector', SUBJECT)).toBe(approved);
    expect(findApproval([approved], 'ranker', SUBJECT)).toBeUndefined();
    expect(findApproval([approved], 'fraud-detector', sha256('other'))).toBeUndefined();
  });

  it('approves, refuses with not-in-ledger, or judges nothing without a ledger or a statement', () => {
    const signed = manifest({ 'w.bin': WEIGHTS });
    expect(ledgerApproval([approved], 'fraud-detector', signed)).toEqual({ checked: true, entry: approved, findings: [] });
    expect(ledgerApproval([approved], 'ranker', signed)).toEqual({
      checked: true,
      entry: null,
      findings: [
        { code: 'not-in-ledger', severity: 'high', message: `subject digest sha256:${SUBJECT} of ranker is not approved in the ledger`, ref: 'ranker' },
      ],
    });
    expect(ledgerApproval([approved], 'fraud-detector', undefined)).toEqual({ checked: true, entry: null, findings: [] });
    expect(ledgerApproval(null, 'fraud-detector', signed)).toEqual({ checked: false, entry: null, findings: [] });
  });
});

describe('judgeModel', () => {
  it('passes a model whose files match and whose digest is approved', () => {
    const r = judgeModel('fraud-detector', observed(manifest({ 'w.bin': WEIGHTS }), { 'w.bin': WEIGHTS }), { ledger: [approved], allowUnsignedFiles: false });
    expect(r).toMatchObject({
      subject: { kind: 'model', id: 'fraud-detector' },
      status: 'pass',
      summary: 'fraud-detector: signature verified, 1 files match, approved in the ledger.',
      findings: [],
    });
    expect(r.data).toMatchObject({ ledgerChecked: true, ledgerEntry: { approvedBy: 'alice@example.com' } });
  });

  it('passes a legacy-signed model without a ledger, keeping the informational finding', () => {
    const r = judgeModel('fraud-detector', observed(manifest({ 'w.bin': WEIGHTS }, 'legacy-v0.1'), { 'w.bin': WEIGHTS }), {
      ledger: null,
      allowUnsignedFiles: false,
    });
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('fraud-detector: signature verified, 1 files match.');
    expect(r.findings?.map((f) => f.code)).toEqual(['legacy-format']);
  });

  it('fails with every problem counted once per code in the summary, the ledger last', () => {
    const r = judgeModel('ranker', observed(manifest({ 'w.bin': WEIGHTS, 'config.json': CONFIG }), { 'a.py': CONFIG, 'b.py': WEIGHTS }), {
      ledger: [approved],
      allowUnsignedFiles: false,
    });
    expect(r.status).toBe('fail');
    expect(r.findings?.map((f) => f.code)).toEqual(['file-missing', 'file-missing', 'file-unsigned', 'file-unsigned', 'not-in-ledger']);
    expect(r.summary).toBe('ranker: 5 problems (file-missing, file-unsigned, not-in-ledger).');
  });
});

describe('recordData', () => {
  it('records what was observed, with nulls for what a stopped check never read', () => {
    expect(recordData('fraud-detector', observed(manifest({ 'w.bin': WEIGHTS }), { 'w.bin': WEIGHTS }), { checked: true, entry: approved })).toEqual({
      name: 'fraud-detector',
      path: '/models/fraud-detector',
      signature: '/models/fraud-detector/model.sig',
      subjectDigest: `sha256:${SUBJECT}`,
      format: 'v1.0',
      method: 'key',
      serialization: 'files',
      signer: { keyHint: 'abc123' },
      transparencyLogIndex: null,
      fileCount: 1,
      totalBytes: 7,
      ledgerChecked: true,
      ledgerEntry: { ...approved },
      hashSeconds: 0.5,
      throughputMBps: 0,
    });
    const stopped: ModelObservation = {
      path: 's3://b/m',
      signaturePath: 's3://b/m/model.sig',
      fileCount: 0,
      totalBytes: 0,
      hashSeconds: 0,
      problem: { code: 'signature-missing', message: 'none' },
    };
    expect(recordData('m', stopped, { checked: false, entry: null })).toMatchObject({
      subjectDigest: null,
      format: null,
      method: null,
      serialization: null,
      signer: null,
      ledgerChecked: false,
      ledgerEntry: null,
      throughputMBps: null,
    });
  });

  it('records a keyless signer by identity and issuer, with the transparency-log index', () => {
    const keyless: ModelObservation = {
      ...observed(manifest({ 'w.bin': WEIGHTS }), { 'w.bin': WEIGHTS }),
      signer: { method: 'sigstore', identity: 'release@acme.example', issuer: 'https://accounts.google.com', transparencyLogIndex: 42, encoding: 'standard' },
    };
    expect(recordData('fraud-detector', keyless, { checked: false, entry: null })).toMatchObject({
      method: 'sigstore',
      signer: { identity: 'release@acme.example', issuer: 'https://accounts.google.com' },
      transparencyLogIndex: 42,
    });
  });
});
