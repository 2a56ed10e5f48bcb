/**
 * The checkpoint signing keys in deploy/terraform (signing-key.tf of each module): what they are,
 * who may sign, and what stops anyone from changing or deleting them quickly. As in
 * deploy.test.ts, each property is a check that returns the problems it finds, and every check is
 * fed a broken copy to prove it can fail.
 */
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type TerraformJson as Obj, parseTerraform } from './helpers/terraform.js';

const TERRAFORM = resolve(import.meta.dirname, '..', 'deploy', 'terraform');
const AGENT_ACTIONS = ['kms:GetPublicKey', 'kms:Sign'];
/** What no Allow may give, to anyone: with any of them the key policy would no longer hold. */
const NEVER_ALLOWED = ['kms:PutKeyPolicy', 'kms:CreateGrant', 'kms:DisableKey', 'kms:ReplicateKey', 'kms:UpdatePrimaryRegion'];

const list = <T = Obj>(v: unknown): T[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]) as T[];
const clone = <T>(v: T): T => structuredClone(v);

function awsSigningKeyProblems(tf: Obj): string[] {
  const p: string[] = [];
  const key = tf.resource?.aws_kms_key?.signing?.[0] as Obj | undefined;
  if (!key) return ['no aws_kms_key.signing'];
  if (key.customer_master_key_spec !== 'ECC_NIST_P256') p.push(`key spec ${key.customer_master_key_spec}, not ECC_NIST_P256`);
  if (key.key_usage !== 'SIGN_VERIFY') p.push(`key usage ${key.key_usage}, not SIGN_VERIFY`);
  if (key.deletion_window_in_days !== 30) p.push(`deletion window ${key.deletion_window_in_days} days, not 30`);
  if (key.multi_region === true) p.push('multi_region: replicas would have policies of their own');
  if (list(key.lifecycle)[0]?.prevent_destroy !== true) p.push('prevent_destroy is not set');
  if (key.policy !== '${data.aws_iam_policy_document.signing_key.json}')
    p.push(`policy ${key.policy} is not built from data.aws_iam_policy_document.signing_key`);

  const statements = list(tf.data?.aws_iam_policy_document?.signing_key?.[0]?.statement);
  const principals = (s: Obj) => list(s.principals).flatMap((x) => list<string>(x.identifiers));
  const isAll = (s: Obj) => list(s.principals).some((x) => x.type === '*' && list<string>(x.identifiers).includes('*'));
  for (const s of statements.filter((x) => x.effect !== 'Deny')) {
    const actions = list<string>(s.actions);
    if (s.not_actions) p.push(`statement ${s.sid} allows with not_actions`);
    for (const a of actions) {
      if (a.includes('*')) p.push(`statement ${s.sid} allows the wildcard ${a}`);
      if (NEVER_ALLOWED.includes(a)) p.push(`statement ${s.sid} allows ${a}`);
    }
    const agent = principals(s).some((x) => x.includes('signer_role_arns'));
    if (agent && [...actions].sort().join() !== AGENT_ACTIONS.join())
      p.push(`the agent's statement ${s.sid} allows ${actions.join(', ')}, not only kms:Sign and kms:GetPublicKey`);
    if (!agent && actions.includes('kms:Sign')) p.push(`statement ${s.sid} lets someone other than the agent sign`);
  }
  const denies = statements.filter((s) => s.effect === 'Deny' && isAll(s));
  const signDeny = denies.find((s) => list<string>(s.actions).includes('kms:Sign'));
  const signCondition = list(signDeny?.condition)[0];
  if (!(signCondition?.test === 'ArnNotEquals' && signCondition.variable === 'aws:PrincipalArn' && String(signCondition.values).includes('signer_role_arns')))
    p.push('kms:Sign is not denied to every principal but the agent roles');
  for (const a of ['kms:PutKeyPolicy', 'kms:CreateGrant', 'kms:DisableKey']) {
    if (!denies.some((s) => list<string>(s.actions).includes(a) && !s.condition)) p.push(`${a} is not denied to everyone unconditionally`);
  }
  const deletion = denies.find((s) => list<string>(s.actions).includes('kms:ScheduleKeyDeletion'));
  const window = list(deletion?.condition)[0];
  if (!(window?.test === 'NumericLessThan' && window.variable === 'kms:ScheduleKeyDeletionPendingWindowInDays' && list<string>(window.values)[0] === '30'))
    p.push('kms:ScheduleKeyDeletion with a window under 30 days is not denied');
  if (tf.output?.signing_key_arn?.[0]?.value !== '${aws_kms_key.signing.arn}') p.push('no output signing_key_arn');
  return p;
}

function gcpSigningKeyProblems(tf: Obj): string[] {
  const p: string[] = [];
  const key = tf.resource?.google_kms_crypto_key?.checkpoints?.[0] as Obj | undefined;
  if (!key) return ['no google_kms_crypto_key.checkpoints'];
  if (key.purpose !== 'ASYMMETRIC_SIGN') p.push(`purpose ${key.purpose}, not ASYMMETRIC_SIGN`);
  const template = list(key.version_template)[0];
  if (template?.algorithm !== 'EC_SIGN_P256_SHA256') p.push(`algorithm ${template?.algorithm}, not EC_SIGN_P256_SHA256`);
  const seconds = Number(/^(\d+)s$/.exec(String(key.destroy_scheduled_duration))?.[1] ?? 0);
  if (seconds < 30 * 86400) p.push(`destroy_scheduled_duration ${key.destroy_scheduled_duration} is under 30 days`);
  if (list(key.lifecycle)[0]?.prevent_destroy !== true) p.push('prevent_destroy is not set');
  const grants = Object.entries((tf.resource?.google_kms_crypto_key_iam_member ?? {}) as Obj).map(([name, l]) => [name, list(l)[0]!] as const);
  if (grants.length === 0) p.push('the agent is granted nothing on the key');
  for (const [name, g] of grants) {
    if (g.role !== 'roles/cloudkms.signerVerifier') p.push(`key grant ${name} of ${g.role}: only roles/cloudkms.signerVerifier`);
    if (g.member !== 'serviceAccount:${google_service_account.agent.email}') p.push(`key grant ${name} to ${g.member}, not the agent's service account`);
  }
  for (const t of [
    'google_kms_crypto_key_iam_binding',
    'google_kms_crypto_key_iam_policy',
    'google_kms_key_ring_iam_member',
    'google_kms_key_ring_iam_binding',
    'google_kms_key_ring_iam_policy',
  ]) {
    if (tf.resource?.[t]) p.push(`${t} grants on the signing key outside the reviewed grant`);
  }
  const audit = list(tf.resource?.google_project_iam_audit_config?.kms_data_access)[0];
  if (!(audit?.service === 'cloudkms.googleapis.com' && list(audit.audit_log_config).some((c) => c.log_type === 'DATA_READ')))
    p.push('Data Access (DATA_READ) audit logs for cloudkms.googleapis.com are not turned on, so signing would leave no trail');
  if (!String(tf.output?.signing_key_version?.[0]?.value).includes('google_kms_crypto_key.checkpoints.id')) p.push('no output signing_key_version');
  return p;
}

describe('deploy/terraform/aws/signing-key.tf', () => {
  let tf: Obj;
  beforeAll(async () => {
    tf = await parseTerraform(join(TERRAFORM, 'aws'));
  });

  it('is an ECC_NIST_P256 SIGN_VERIFY key that only the agent can use, and only to sign and read its public key', () => {
    expect(awsSigningKeyProblems(tf)).toEqual([]);
  });

  it('each check fails on a broken copy', () => {
    const doc = (t: Obj) => t.data.aws_iam_policy_document.signing_key[0].statement as Obj[];
    const sid = (t: Obj, id: string) => doc(t).find((s) => s.sid === id)!;
    const cases: [string, (t: Obj) => void][] = [
      ['not ECC_NIST_P256', (t) => (t.resource.aws_kms_key.signing[0].customer_master_key_spec = 'RSA_2048')],
      ['not SIGN_VERIFY', (t) => (t.resource.aws_kms_key.signing[0].key_usage = 'ENCRYPT_DECRYPT')],
      ['not 30', (t) => (t.resource.aws_kms_key.signing[0].deletion_window_in_days = 7)],
      ['prevent_destroy', (t) => (t.resource.aws_kms_key.signing[0].lifecycle[0].prevent_destroy = false)],
      ['not only kms:Sign and kms:GetPublicKey', (t) => sid(t, 'AgentSignsOnly').actions.push('kms:Decrypt')],
      ['lets someone other than the agent sign', (t) => sid(t, 'KeyAdministrationWithoutUse').actions.push('kms:Sign')],
      ['allows kms:PutKeyPolicy', (t) => sid(t, 'KeyAdministrationWithoutUse').actions.push('kms:PutKeyPolicy')],
      ['wildcard', (t) => sid(t, 'KeyAdministrationWithoutUse').actions.push('kms:*')],
      ['not denied to every principal but the agent roles', (t) => doc(t).splice(doc(t).indexOf(sid(t, 'NobodyElseSigns')), 1)],
      [
        'kms:DisableKey is not denied',
        (t) => (sid(t, 'PolicyFixedNoGrantsNoDisable').actions = sid(t, 'PolicyFixedNoGrantsNoDisable').actions.filter((a: string) => a !== 'kms:DisableKey')),
      ],
      [
        'kms:PutKeyPolicy is not denied',
        (t) => (sid(t, 'PolicyFixedNoGrantsNoDisable').condition = [{ test: 'Bool', variable: 'aws:MultiFactorAuthPresent', values: ['false'] }]),
      ],
      ['window under 30 days', (t) => (sid(t, 'DeletionOnlyAfterThirtyDays').condition[0].values = ['7'])],
      ['signing_key_arn', (t) => delete t.output.signing_key_arn],
    ];
    for (const [want, breakIt] of cases) {
      const t = clone(tf);
      breakIt(t);
      expect(awsSigningKeyProblems(t).join('\n'), want).toContain(want);
    }
  });
});

describe('deploy/terraform/gcp/signing-key.tf', () => {
  let tf: Obj;
  beforeAll(async () => {
    tf = await parseTerraform(join(TERRAFORM, 'gcp'));
  });

  it('is an EC_SIGN_P256_SHA256 key the agent may only sign with, destroyed only after 30 days, its use logged', () => {
    expect(gcpSigningKeyProblems(tf)).toEqual([]);
  });

  it('each check fails on a broken copy', () => {
    const key = (t: Obj) => t.resource.google_kms_crypto_key.checkpoints[0];
    const cases: [string, (t: Obj) => void][] = [
      ['not ASYMMETRIC_SIGN', (t) => (key(t).purpose = 'ENCRYPT_DECRYPT')],
      ['not EC_SIGN_P256_SHA256', (t) => (key(t).version_template[0].algorithm = 'RSA_SIGN_PSS_2048_SHA256')],
      ['under 30 days', (t) => (key(t).destroy_scheduled_duration = '86400s')],
      ['only roles/cloudkms.signerVerifier', (t) => (t.resource.google_kms_crypto_key_iam_member.agent_signs[0].role = 'roles/cloudkms.admin')],
      ['google_kms_key_ring_iam_member', (t) => (t.resource.google_kms_key_ring_iam_member = { x: [{ role: 'roles/cloudkms.signer' }] })],
      ['DATA_READ', (t) => delete t.resource.google_project_iam_audit_config],
      ['signing_key_version', (t) => delete t.output.signing_key_version],
    ];
    for (const [want, breakIt] of cases) {
      const t = clone(tf);
      breakIt(t);
      expect(gcpSigningKeyProblems(t).join('\n'), want).toContain(want);
    }
  });
});
