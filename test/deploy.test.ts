/**
 * The deployment material in deploy/: every Kubernetes manifest is parsed and checked with
 * kubernetes-models, every Terraform file with @cdktf/hcl2json, and the security properties the
 * deployment promises are asserted on what the files actually say. Each property is a check
 * function returning the problems it finds; the last block feeds each check a broken copy to
 * prove it can fail. Where a real tool is installed (kubectl, terraform, systemd-analyze), it
 * is run too; where it is not, that test is skipped and says so.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { builtins } from '../collectors/index.js';
import { prepareCollectors } from '../src/agent/collectors.js';
import type { ConfigProblem } from '../src/config/errors.js';
import { interpolateEnv } from '../src/config/interpolate.js';
import { loadConfig } from '../src/config/load.js';
import { createAjv, describeErrors, readJsonSchema } from '../src/json-schema.js';
import { recordKey } from '../src/store/layout.js';
import { parseTerraform } from './helpers/terraform.js';
import { tempDir } from './helpers/tmp.js';

const execFileAsync = promisify(execFile);

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, JSON and HCL have no static type; the checks below read them field by field.
type Obj = Record<string, any>;

const ROOT = resolve(import.meta.dirname, '..');
const DEPLOY = join(ROOT, 'deploy');
const BASE = join(DEPLOY, 'kubernetes', 'base');
const METRICS_PORT = 9464;
const RUN_AS = 65532;

const clone = <T>(v: T): T => structuredClone(v);
const text = (...parts: string[]) => readFileSync(join(DEPLOY, ...parts), 'utf8');

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes

const MODELS: Record<string, new (data: Obj) => { validate(): void }> = {
  'v1/Namespace': Namespace as never,
  'v1/ServiceAccount': ServiceAccount as never,
  'v1/ConfigMap': ConfigMap as never,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim as never,
  'v1/Service': Service as never,
  'apps/v1/Deployment': Deployment as never,
  'batch/v1/CronJob': CronJob as never,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as never,
};

interface Manifest {
  file: string;
  doc: Obj;
}

function loadManifests(dir: string): Manifest[] {
  const out: Manifest[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
    .sort()) {
    for (const d of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
      const doc = d.toJS() as Obj | null;
      if (doc !== null) out.push({ file, doc });
    }
  }
  return out;
}

/** kubernetes-models validation; an apiVersion/kind with no model is itself a problem. */
function modelProblems(doc: Obj): string[] {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) return [`${doc.apiVersion}/${doc.kind}: no kubernetes-models class (unexpected kind or apiVersion)`];
  try {
    new Model(doc).validate();
    return [];
  } catch (err) {
    return [`${doc.kind}/${doc.metadata?.name}: ${(err as Error).message}`];
  }
}

const mountIsWritable = (m: Obj) => m.readOnly !== true;

/**
 * The pod security the deployment promises: non-root 65532, seccomp RuntimeDefault, no API
 * token; per container a read-only root, no privilege escalation, every capability dropped;
 * writable mounts only the spool (at `spool`, on a PVC or emptyDir) and an emptyDir /tmp.
 */
function podProblems(pod: Obj, spool: string): string[] {
  const p: string[] = [];
  const sc = pod.securityContext ?? {};
  if (sc.runAsNonRoot !== true) p.push('pod securityContext.runAsNonRoot is not true');
  if (sc.runAsUser !== RUN_AS) p.push(`pod securityContext.runAsUser is ${sc.runAsUser}, not ${RUN_AS}`);
  if (!Number.isInteger(sc.fsGroup) || sc.fsGroup === 0) p.push(`pod securityContext.fsGroup is ${sc.fsGroup}`);
  if (sc.runAsGroup === 0) p.push('pod securityContext.runAsGroup is 0 (root group)');
  if (sc.seccompProfile?.type !== 'RuntimeDefault') p.push('pod seccompProfile is not RuntimeDefault');
  if (pod.automountServiceAccountToken !== false) p.push('pod automountServiceAccountToken is not false');
  for (const k of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod[k] === true) p.push(`pod ${k} is true`);

  const volumes = new Map<string, Obj>((pod.volumes ?? []).map((v: Obj) => [v.name, v]));
  for (const v of volumes.values()) if (v.hostPath) p.push(`volume ${v.name} is a hostPath`);
  const containers: Obj[] = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  if (containers.length === 0) p.push('pod has no containers');
  for (const c of containers) {
    const csc = c.securityContext ?? {};
    const name = `container ${c.name}`;
    if (csc.readOnlyRootFilesystem !== true) p.push(`${name}: readOnlyRootFilesystem is not true`);
    if (csc.allowPrivilegeEscalation !== false) p.push(`${name}: allowPrivilegeEscalation is not false`);
    if (csc.privileged === true) p.push(`${name}: privileged`);
    if (!(csc.capabilities?.drop ?? []).includes('ALL')) p.push(`${name}: capabilities.drop does not include ALL`);
    if ((csc.capabilities?.add ?? []).length > 0) p.push(`${name}: adds capabilities ${csc.capabilities.add}`);
    if (csc.runAsNonRoot === false) p.push(`${name}: runAsNonRoot is false`);
    if (csc.runAsUser !== undefined && csc.runAsUser !== RUN_AS) p.push(`${name}: runAsUser is ${csc.runAsUser}`);

    let spoolMounted = false;
    for (const m of c.volumeMounts ?? []) {
      const v = volumes.get(m.name);
      if (!v) {
        p.push(`${name}: mount ${m.mountPath} names no volume`);
        continue;
      }
      if (!mountIsWritable(m)) continue;
      if (m.mountPath === spool && (v.persistentVolumeClaim || v.emptyDir)) spoolMounted = true;
      else if (m.mountPath === '/tmp' && v.emptyDir) continue;
      else p.push(`${name}: ${m.mountPath} (volume ${m.name}) is writable; only the spool ${spool} and an emptyDir /tmp may be`);
    }
    if (!spoolMounted) p.push(`${name}: no writable PVC or emptyDir mounted at the config's store.spool ${spool}`);
  }
  return p;
}

/** Liveness on /healthz and readiness on /readyz, both on the metrics port the container exposes. */
function probeProblems(container: Obj): string[] {
  const p: string[] = [];
  const exposed = (container.ports ?? []).some((x: Obj) => x.containerPort === METRICS_PORT);
  if (!exposed) p.push(`container does not expose ${METRICS_PORT}`);
  const check = (probe: string, path: string) => {
    const get = container[probe]?.httpGet;
    if (!get) return p.push(`${probe} is not an httpGet probe`);
    if (get.path !== path) p.push(`${probe} path is ${get.path}, not ${path}`);
    if (get.port !== METRICS_PORT) p.push(`${probe} port is ${get.port}, not ${METRICS_PORT}`);
    return undefined;
  };
  check('livenessProbe', '/healthz');
  check('readinessProbe', '/readyz');
  if (container.startupProbe) check('startupProbe', '/healthz');
  return p;
}

/** Where the container finds its config, and whether the config's paths land on the right mounts. */
function configWiringProblems(pod: Obj, container: Obj, configMap: Obj, config: Obj): string[] {
  const p: string[] = [];
  const env = new Map<string, string>((container.env ?? []).map((e: Obj) => [e.name, e.value]));
  const configPath = env.get('EVIDENCE_AGENT_CONFIG');
  if (!configPath) return ['EVIDENCE_AGENT_CONFIG is not set'];
  const configDir = posix.dirname(configPath);
  const volumes = new Map<string, Obj>((pod.volumes ?? []).map((v: Obj) => [v.name, v]));
  const mounts: Obj[] = container.volumeMounts ?? [];
  const mountOf = (dir: string) => mounts.find((m) => m.mountPath === dir);

  const cm = mountOf(configDir);
  if (!cm || volumes.get(cm.name)?.configMap?.name !== configMap.metadata.name) p.push(`${configDir} is not the ConfigMap ${configMap.metadata.name}`);
  if (!(posix.basename(configPath) in (configMap.data ?? {}))) p.push(`the ConfigMap has no key ${posix.basename(configPath)}`);

  const signing = config.signing?.key as string | undefined;
  if (signing) {
    const keyPath = posix.resolve(configDir, signing);
    const m = mountOf(posix.dirname(keyPath));
    const secret = m && volumes.get(m.name)?.secret;
    if (!secret) p.push(`signing key ${keyPath} is not on a Secret mount`);
    else if (secret.items && !secret.items.some((i: Obj) => i.path === posix.basename(keyPath)))
      p.push(`the signing Secret mount has no ${posix.basename(keyPath)}`);
  }
  for (const c of config.collectors ?? []) {
    for (const glob of c.options?.paths ?? []) {
      const dir = posix.dirname(posix.resolve(configDir, glob));
      const m = mountOf(dir);
      if (!m || !volumes.get(m.name)?.configMap) p.push(`collector ${c.id}: ${glob} resolves to ${dir}, which is not a ConfigMap mount`);
    }
  }
  const id = config.agent?.id as string | undefined;
  for (const name of [...(id ?? '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((x) => x[1]!)) {
    if (!env.has(name)) p.push(`agent.id needs ${name}, which the container does not set`);
  }
  return p;
}

function networkPolicyProblems(np: Obj, podLabels: Obj[]): string[] {
  const p: string[] = [];
  const spec = np.spec ?? {};
  const types: string[] = spec.policyTypes ?? [];
  if (!types.includes('Ingress') || !types.includes('Egress')) p.push(`policyTypes ${types} must be Ingress and Egress`);
  const sel: Obj = spec.podSelector?.matchLabels ?? {};
  if (Object.keys(sel).length === 0) p.push('podSelector selects nothing specific');
  for (const labels of podLabels) {
    if (!Object.entries(sel).every(([k, v]) => labels[k] === v)) p.push(`podSelector does not select pods labelled ${JSON.stringify(labels)}`);
  }
  for (const rule of spec.ingress ?? []) {
    const from: Obj[] = rule.from ?? [];
    if (from.length === 0) p.push('an ingress rule admits every source');
    for (const peer of from) {
      if (peer.ipBlock || peer.podSelector || peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] !== 'monitoring') {
        p.push(`ingress peer ${JSON.stringify(peer)} is not the monitoring namespace`);
      }
    }
    const ports: Obj[] = rule.ports ?? [];
    if (ports.length === 0 || ports.some((x) => x.port !== METRICS_PORT || (x.protocol ?? 'TCP') !== 'TCP')) {
      p.push(`ingress ports ${JSON.stringify(ports)} must be TCP ${METRICS_PORT} only`);
    }
  }
  const egressPorts = new Set<string>();
  for (const rule of spec.egress ?? []) {
    const ports: Obj[] = rule.ports ?? [];
    if (ports.length === 0) p.push('an egress rule allows every port');
    for (const x of ports) egressPorts.add(`${x.protocol ?? 'TCP'}/${x.port}`);
  }
  for (const x of egressPorts) if (!['UDP/53', 'TCP/53', 'TCP/443'].includes(x)) p.push(`egress allows ${x}; only DNS and 443 may be`);
  for (const need of ['UDP/53', 'TCP/443']) if (!egressPorts.has(need)) p.push(`egress does not allow ${need}`);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Agent config (ConfigMap and systemd example)

const CONFIG_SCHEMA = readJsonSchema(join(ROOT, 'config', 'config.schema.json'));
const validateConfigSchema = createAjv().compile(CONFIG_SCHEMA);

/** Interpolates ${ENV} as the agent does, then validates against config/config.schema.json. */
function configSchemaProblems(raw: unknown, env: NodeJS.ProcessEnv): string[] {
  const problems: ConfigProblem[] = [];
  const config = interpolateEnv(raw, env, problems);
  const p = problems.map((x) => `${x.path.join('.')}: ${x.message}`);
  if (!validateConfigSchema(config)) p.push(...describeErrors(validateConfigSchema.errors));
  return p;
}

/** What the deployment relies on in the config itself. */
function configPosture(config: Obj, listen: RegExp): string[] {
  const p: string[] = [];
  if (config.store?.retention?.mode !== 'COMPLIANCE') p.push('store.retention.mode is not COMPLIANCE');
  if (!/^(s3|gs):\/\//.test(config.store?.url ?? '')) p.push(`store.url ${config.store?.url} is not a locked bucket (s3:// or gs://)`);
  if (config.store?.allowMutable === true) p.push('store.allowMutable is true');
  if (!posix.isAbsolute(config.store?.spool ?? '')) p.push('store.spool must be an absolute path (it is a mount point)');
  if (!listen.test(config.server?.listen ?? '')) p.push(`server.listen ${config.server?.listen} does not match ${listen}`);
  if (!(config.collectors ?? []).some((c: Obj) => c.schedule)) p.push('no collector has a schedule, so the daemon would run nothing');
  return p;
}

/** The real loader and the built-in collectors' option schemas, on a copy of the config text. */
async function loadWithCollectors(yamlText: string, env: NodeJS.ProcessEnv): Promise<void> {
  const file = join(await tempDir(), 'evidence-agent.yaml');
  await writeFile(file, yamlText);
  await prepareCollectors(await loadConfig(file, env), builtins.catalog);
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction {
  cmd: string;
  args: string;
}
interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

function parseDockerfile(src: string): { globalArgs: Map<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const line of src.split('\n')) {
    if (/^\s*#/.test(line)) continue; // comments, including inside continuations, and # syntax=
    const t = line.replace(/\s+$/, '');
    if (t.endsWith('\\')) {
      pending += `${t.slice(0, -1)} `;
      continue;
    }
    const full = (pending + t).trim();
    pending = '';
    if (full) logical.push(full);
  }
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const l of logical) {
    const m = /^(\S+)\s*(.*)$/s.exec(l)!;
    const cmd = m[1]!.toUpperCase();
    const args = m[2]!;
    if (cmd === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      const image = (f?.[1] ?? args).replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string, b: string) => globalArgs.get(a ?? b) ?? '');
      stages.push({ image, ...(f?.[2] ? { name: f[2] } : {}), instructions: [] });
    } else if (stages.length === 0 && cmd === 'ARG') {
      const a = /^(\w+)(?:=(.*))?$/.exec(args);
      if (a) globalArgs.set(a[1]!, (a[2] ?? '').replace(/^"(.*)"$/, '$1'));
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push({ cmd, args });
    }
  }
  return { globalArgs, stages };
}

function execForm(args: string): string[] | undefined {
  if (!args.trim().startsWith('[')) return undefined;
  try {
    const v = JSON.parse(args) as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

const NODE24_BUILD = /^node:24(\.\d+){0,2}-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/;
const NODE24_RUNTIME = /^(gcr\.io\/distroless\/nodejs24-debian1[2-9](:[\w.-]+)?|node:24(\.\d+){0,2}-[a-z]+-slim)(@sha256:[0-9a-f]{64})?$/;

function dockerfileProblems(src: string): string[] {
  const p: string[] = [];
  const { stages } = parseDockerfile(src);
  if (stages.length < 2) return [`${stages.length} stage(s): the image must be built in one stage and run from another`];
  const final = stages.at(-1)!;
  const builders = stages.slice(0, -1);
  for (const s of builders) if (!NODE24_BUILD.test(s.image)) p.push(`build stage ${s.name ?? '?'} is FROM ${s.image}, not a Node 24 slim image`);
  if (!NODE24_RUNTIME.test(final.image)) p.push(`runtime stage is FROM ${final.image}, not a Node 24 distroless or slim image`);
  for (const s of stages) if (/:latest\b/.test(s.image) || !/[:@]/.test(s.image)) p.push(`FROM ${s.image} is not pinned to a tag or digest`);

  const runs = (s: Stage) => s.instructions.filter((i) => i.cmd === 'RUN').map((i) => i.args);
  const compiler = builders.find(
    (s) => runs(s).some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r)) && runs(s).some((r) => /\btsc\b|npm run build/.test(r)),
  );
  const prod = builders.find((s) => runs(s).some((r) => /\bnpm ci\b[^&;|]*--omit=dev/.test(r)));
  if (!compiler) p.push('no build stage runs `npm ci` with dev dependencies and compiles TypeScript');
  if (!prod) p.push('no stage runs `npm ci --omit=dev` for the runtime node_modules');
  const copies = final.instructions.filter((i) => i.cmd === 'COPY');
  const copiedFrom = (stage: Stage | undefined, what: RegExp) =>
    stage?.name !== undefined && copies.some((c) => new RegExp(`--from=${stage.name}\\b`).test(c.args) && what.test(c.args));
  if (prod && !copiedFrom(prod, /node_modules/)) p.push('the runtime does not copy node_modules from the --omit=dev stage');
  if (compiler && !copiedFrom(compiler, /\bdist\b/)) p.push('the runtime does not copy dist/ from the build stage');
  if (copies.some((c) => !/--from=/.test(c.args) && /node_modules|\bdist\b/.test(c.args)))
    p.push('the runtime copies node_modules or dist from the build context');
  for (const c of copies.filter((x) => !/--from=/.test(x.args))) {
    const parts = c.args.split(/\s+/).filter((x) => !x.startsWith('--'));
    for (const source of parts.slice(0, -1)) if (!existsSync(join(ROOT, source))) p.push(`COPY ${source}: no such file in the repository`);
  }

  if (runs(final).length > 0) p.push('the runtime stage has RUN instructions: it must need no shell');
  const users = final.instructions.filter((i) => i.cmd === 'USER');
  const user = users.at(-1)?.args.split(':')[0];
  if (user === undefined) p.push('the runtime stage sets no USER');
  else if (user === 'root' || user === '0' || !/^[1-9]\d*$/.test(user)) p.push(`USER ${user} is not a numeric non-root user`);

  const hc = final.instructions.filter((i) => i.cmd === 'HEALTHCHECK').at(-1);
  const hcCmd = hc && /^(?:--\S+\s+)*CMD\s+(.*)$/s.exec(hc.args)?.[1];
  const hcExec = hcCmd ? execForm(hcCmd) : undefined;
  if (!hc) p.push('no HEALTHCHECK');
  else if (!hcExec) p.push('HEALTHCHECK is not an exec-form CMD (there is no shell to run a string)');
  else if (!hcExec.some((a) => a.includes(`:${METRICS_PORT}/healthz`))) p.push(`HEALTHCHECK does not ask :${METRICS_PORT}/healthz`);

  const ep = final.instructions.filter((i) => i.cmd === 'ENTRYPOINT').at(-1);
  const epExec = ep ? execForm(ep.args) : undefined;
  if (!epExec) p.push('ENTRYPOINT is missing or not in exec form');
  else {
    if (!/\/bin\/evidence-agent\.js$/.test(epExec[1] ?? '') || epExec[2] !== 'daemon')
      p.push(`ENTRYPOINT ${JSON.stringify(epExec)} does not run \`evidence-agent daemon\``);
    if (!posix.isAbsolute(epExec[0] ?? '')) p.push('ENTRYPOINT does not start with an absolute node path');
    if (hcExec && hcExec[0] !== epExec[0]) p.push(`HEALTHCHECK runs ${hcExec[0]} but ENTRYPOINT runs ${epExec[0]}`);
    if (final.image.includes('distroless') && epExec[0] !== '/nodejs/bin/node') p.push(`distroless keeps node at /nodejs/bin/node, not ${epExec[0]}`);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// systemd

function parseUnit(src: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of src.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      current = new Map();
      sections.set(s[1]!, current);
      continue;
    }
    const kv = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
    if (!kv || !current) throw new Error(`not a unit file line: ${line}`);
    current.set(kv[1]!, [...(current.get(kv[1]!) ?? []), kv[2]!]);
  }
  return sections;
}

function unitProblems(src: string, spool: string): string[] {
  const p: string[] = [];
  const service = parseUnit(src).get('Service');
  if (!service) return ['no [Service] section'];
  const last = (k: string) => service.get(k)?.at(-1);
  const expect1 = (k: string, want: string | RegExp) => {
    const v = last(k);
    if (v === undefined || (typeof want === 'string' ? v !== want : !want.test(v))) p.push(`${k}=${v ?? '(unset)'}, want ${want}`);
  };
  expect1('NoNewPrivileges', 'yes');
  expect1('ProtectSystem', 'strict');
  expect1('PrivateTmp', 'yes');
  expect1('ProtectHome', /^(yes|read-only|tmpfs)$/);
  expect1('KillSignal', 'SIGTERM');
  expect1('TimeoutStopSec', '15');
  expect1('Restart', 'on-failure');
  expect1('ExecStart', /\/bin\/evidence-agent\.js daemon( |$)/);
  expect1('ExecReload', /kill -(HUP|SIGHUP) \$MAINPID/);
  expect1('SystemCallFilter', /@system-service|~@privileged/);
  if (!(service.get('SystemCallFilter') ?? []).includes('@system-service')) p.push('SystemCallFilter does not allow-list @system-service');
  if (!last('RestrictAddressFamilies')) p.push('RestrictAddressFamilies is unset');
  if (last('CapabilityBoundingSet') !== '') p.push(`CapabilityBoundingSet=${last('CapabilityBoundingSet') ?? '(unset)'}, want empty`);
  if ((last('AmbientCapabilities') ?? '') !== '') p.push('AmbientCapabilities is not empty');
  // V8's JIT needs writable-executable memory; this setting would stop Node at start.
  if (last('MemoryDenyWriteExecute') === 'yes') p.push('MemoryDenyWriteExecute=yes would crash Node');

  const user = last('User');
  if (!user || user === 'root' || user === '0') p.push(`User=${user ?? '(unset)'}: the agent must run as a dedicated non-root user`);
  if (last('DynamicUser') === 'yes' && user === undefined) p.push('DynamicUser without a named User');

  const rw = (service.get('ReadWritePaths') ?? [])
    .flatMap((v) => v.split(/\s+/))
    .filter(Boolean)
    .map((x) => x.replace(/^[-+]+/, ''));
  if (rw.length !== 1 || rw[0] !== spool) p.push(`ReadWritePaths=${rw.join(' ')}, want only the spool ${spool}`);
  // Directories systemd creates for the service are writable too, whatever ReadWritePaths says.
  for (const [key, base] of [
    ['StateDirectory', '/var/lib'],
    ['CacheDirectory', '/var/cache'],
    ['LogsDirectory', '/var/log'],
    ['RuntimeDirectory', '/run'],
    ['ConfigurationDirectory', '/etc'],
  ] as const) {
    for (const d of (service.get(key) ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean)) {
      const path = posix.join(base, d.split(':')[0]!);
      if (path !== spool) p.push(`${key}=${d} makes ${path} writable; only the spool ${spool} may be`);
    }
  }
  return p;
}

const SYSTEMD_ANALYZE = which('systemd-analyze');

/** `systemd-analyze verify` on the unit text: its complaints about the unit's own lines. */
async function systemdVerifyProblems(unit: string): Promise<string[]> {
  const file = join(await tempDir(), 'evidence-agent.service');
  await writeFile(file, unit);
  const stderr = await execFileAsync(SYSTEMD_ANALYZE!, ['verify', file], { timeout: 60_000 }).then(
    (x) => x.stderr,
    (err: { stderr?: string }) => err.stderr ?? '',
  );
  // Only the unit's text is judged; whether /usr/bin/node exists on this machine is not.
  return stderr.split('\n').filter((l) => l.startsWith(file) && !/is not executable|No such file/.test(l));
}

// ---------------------------------------------------------------------------------------------
// Terraform

/** The one block of a resource or data source, by type (and name when there are several). */
function block(tf: Obj, kind: 'resource' | 'data', type: string, name?: string): Obj | undefined {
  const byName = tf[kind]?.[type] as Obj | undefined;
  if (!byName) return undefined;
  const entries = Object.entries(byName);
  const hit = name ? byName[name] : entries.length === 1 ? entries[0]![1] : undefined;
  return Array.isArray(hit) ? hit[0] : hit;
}

const variableDefault = (tf: Obj, name: string) => (tf.variable?.[name] as Obj[] | undefined)?.[0]?.default;
const asList = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);

/** The data.aws_iam_policy_document a resource's `policy = data.aws_iam_policy_document.X.json` names. */
function policyDocumentOf(tf: Obj, resource: Obj | undefined): { name: string; statements: Obj[] } | undefined {
  const m = /^\$\{data\.aws_iam_policy_document\.(\w+)\.json\}$/.exec(String(resource?.policy ?? ''));
  if (!m) return undefined;
  return { name: m[1]!, statements: block(tf, 'data', 'aws_iam_policy_document', m[1])?.statement ?? [] };
}

const AGENT_S3_ACTIONS = [
  's3:PutObject',
  's3:GetObject',
  's3:GetObjectVersion',
  's3:ListBucket',
  's3:ListBucketVersions',
  's3:GetBucketVersioning',
  's3:GetBucketObjectLockConfiguration',
  's3:GetObjectRetention',
  's3:GetEncryptionConfiguration',
  's3:GetBucketPublicAccessBlock',
];
const AGENT_KMS_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];
const FORBIDDEN_AGENT_ACTIONS = [
  /^s3:Delete/i,
  /^s3:BypassGovernanceRetention$/i,
  /^s3:PutObjectRetention$/i,
  /^s3:PutObjectLegalHold$/i,
  /^s3:PutBucketObjectLockConfiguration$/i,
  /^s3:PutBucket(Policy|Versioning|PublicAccessBlock|Acl)$/i,
  /^s3:PutLifecycleConfiguration$/i,
  /^s3:PutEncryptionConfiguration$/i,
  /\*/,
];

function awsBucketProblems(tf: Obj): string[] {
  const p: string[] = [];
  const bucket = block(tf, 'resource', 'aws_s3_bucket');
  if (bucket?.object_lock_enabled !== true) p.push('aws_s3_bucket.object_lock_enabled is not true');
  if (bucket?.force_destroy === true) p.push('aws_s3_bucket.force_destroy is true');
  const ref = (r: Obj | undefined) => /^\$\{aws_s3_bucket\.\w+\.(id|bucket)\}$/.test(String(r?.bucket ?? ''));

  const versioning = block(tf, 'resource', 'aws_s3_bucket_versioning');
  if (versioning?.versioning_configuration?.[0]?.status !== 'Enabled' || !ref(versioning)) p.push('bucket versioning is not Enabled');

  const lock = block(tf, 'resource', 'aws_s3_bucket_object_lock_configuration');
  const retention = lock?.rule?.[0]?.default_retention?.[0];
  if (!ref(lock)) p.push('no object lock configuration for the bucket');
  if (retention?.mode !== 'COMPLIANCE') p.push(`default retention mode is ${retention?.mode}, not COMPLIANCE`);
  if (retention?.days !== '${var.retention_days}') p.push(`default retention days is ${retention?.days}, not var.retention_days`);
  if (retention?.years !== undefined) p.push('default retention uses years as well as days');
  if (variableDefault(tf, 'retention_days') !== 400) p.push(`var.retention_days defaults to ${variableDefault(tf, 'retention_days')}, not 400`);

  const sse = block(tf, 'resource', 'aws_s3_bucket_server_side_encryption_configuration');
  const byDefault = sse?.rule?.[0]?.apply_server_side_encryption_by_default?.[0];
  if (!ref(sse) || byDefault?.sse_algorithm !== 'aws:kms') p.push(`default encryption is ${byDefault?.sse_algorithm}, not aws:kms`);
  if (!/^\$\{aws_kms_key\.\w+\.(arn|key_id|id)\}$/.test(String(byDefault?.kms_master_key_id ?? ''))) p.push("SSE-KMS does not use the module's KMS key");
  if (block(tf, 'resource', 'aws_kms_key', 'evidence')?.enable_key_rotation !== true) p.push('KMS key rotation is off');

  const pab = block(tf, 'resource', 'aws_s3_bucket_public_access_block');
  if (!ref(pab)) p.push('no public access block for the bucket');
  for (const k of ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets']) {
    if (pab?.[k] !== true) p.push(`public access block ${k} is ${pab?.[k]}, not true`);
  }

  const policy = policyDocumentOf(tf, block(tf, 'resource', 'aws_s3_bucket_policy'));
  if (!policy) p.push('the bucket policy is not built from an aws_iam_policy_document');
  const denies = (policy?.statements ?? []).filter((s) => s.effect === 'Deny');
  const everyone = (s: Obj) => (s.principals ?? []).some((x: Obj) => x.type === '*' || (x.type === 'AWS' && asList(x.identifiers).includes('*')));
  const ifNoneMatch = denies.some(
    (s) =>
      everyone(s) &&
      asList(s.actions).includes('s3:PutObject') &&
      (s.condition ?? []).some((c: Obj) => c.test === 'Null' && c.variable === 's3:if-none-match' && asList(c.values).includes('true')),
  );
  if (!ifNoneMatch) p.push('no Deny of s3:PutObject for everyone when s3:if-none-match is Null');
  const tls = denies.some(
    (s) => everyone(s) && (s.condition ?? []).some((c: Obj) => c.test === 'Bool' && c.variable === 'aws:SecureTransport' && asList(c.values).includes('false')),
  );
  if (!tls) p.push('no Deny for insecure transport');
  return p;
}

function awsAgentPolicyProblems(tf: Obj): string[] {
  const p: string[] = [];
  const policies = Object.keys(tf.resource?.aws_iam_policy ?? {});
  if (!policies.includes('agent')) return ['no aws_iam_policy.agent'];
  for (const t of ['aws_iam_role_policy', 'aws_iam_user_policy', 'aws_iam_group_policy']) {
    if (tf.resource?.[t]) p.push(`${t} grants inline permissions outside the reviewed agent policy`);
  }
  for (const name of policies) {
    const doc = policyDocumentOf(tf, block(tf, 'resource', 'aws_iam_policy', name));
    if (!doc) {
      p.push(`aws_iam_policy.${name} is not built from an aws_iam_policy_document`);
      continue;
    }
    const allowed = new Set<string>();
    for (const s of doc.statements) {
      if ((s.effect ?? 'Allow') !== 'Allow') continue;
      if (s.not_actions !== undefined) p.push(`${name}: an Allow with not_actions grants everything else`);
      if (s.not_resources !== undefined) p.push(`${name}: an Allow with not_resources`);
      for (const a of asList(s.actions)) {
        allowed.add(a);
        for (const bad of FORBIDDEN_AGENT_ACTIONS) if (bad.test(a)) p.push(`${name}: allows ${a}`);
      }
      for (const r of asList(s.resources)) if (r === '*') p.push(`${name}: allows ${asList(s.actions)} on every resource`);
    }
    if (name === 'agent') {
      const want = [...AGENT_S3_ACTIONS, ...AGENT_KMS_ACTIONS];
      for (const a of allowed) if (!want.includes(a)) p.push(`agent: allows ${a}, which is not in the reviewed list`);
      for (const a of want) if (!allowed.has(a)) p.push(`agent: does not allow ${a}, which the agent needs`);
    }
  }
  return p;
}

const GCS_AGENT_PERMISSIONS = ['storage.buckets.get', 'storage.objects.create', 'storage.objects.get', 'storage.objects.list'];

function gcpProblems(tf: Obj): string[] {
  const p: string[] = [];
  const bucket = block(tf, 'resource', 'google_storage_bucket');
  const rp = bucket?.retention_policy?.[0];
  if (rp?.is_locked !== true) p.push(`retention_policy.is_locked is ${rp?.is_locked}, not true`);
  if (!/var\.retention_days\s*\*\s*86400/.test(String(rp?.retention_period ?? '')))
    p.push(`retention_period ${rp?.retention_period} is not var.retention_days in seconds`);
  if (variableDefault(tf, 'retention_days') !== 400) p.push('var.retention_days does not default to 400');
  if (bucket?.uniform_bucket_level_access !== true) p.push('uniform_bucket_level_access is not true');
  if (bucket?.public_access_prevention !== 'enforced') p.push(`public_access_prevention is ${bucket?.public_access_prevention}, not enforced`);
  if (bucket?.force_destroy === true) p.push('force_destroy is true');

  const roles = (tf.resource?.google_project_iam_custom_role ?? {}) as Obj;
  for (const [name, list] of Object.entries(roles)) {
    for (const perm of asList((list as Obj[])[0]?.permissions)) {
      if (!GCS_AGENT_PERMISSIONS.includes(perm)) p.push(`custom role ${name} has ${perm}; the agent may only create and read objects`);
    }
  }
  const grants = Object.values((tf.resource?.google_storage_bucket_iam_member ?? {}) as Obj).map((l) => (l as Obj[])[0]!);
  if (grants.length === 0) p.push('the agent is granted nothing on the bucket');
  for (const g of grants) {
    const custom = /^\$\{google_project_iam_custom_role\.(\w+)\.(name|id)\}$/.exec(String(g.role));
    const predefined = ['roles/storage.objectCreator', 'roles/storage.objectViewer'];
    if (!(custom && custom[1]! in roles) && !predefined.includes(String(g.role)))
      p.push(`bucket grant of ${g.role}: only the custom role or objectCreator/objectViewer`);
  }
  for (const t of ['google_storage_bucket_iam_binding', 'google_storage_bucket_iam_policy', 'google_project_iam_member', 'google_project_iam_binding']) {
    if (tf.resource?.[t]) p.push(`${t} grants permissions outside the reviewed bucket grant`);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Analytics: the tables must cover exactly the record schema (less `data`)

const RECORD_SCHEMA = readJsonSchema(join(ROOT, 'evidence-schema', 'v1', 'record.schema.json')) as Obj;
const NOT_TABULAR = new Set(['data']);

type Shape = { kind: 'string' | 'integer' | 'boolean' | 'timestamp' } | { kind: 'array'; of: Shape } | { kind: 'object'; fields: Map<string, Shape> };

/** The record schema as a tree of shapes, resolving $ref and oneOf (with null, or of objects: one table column holds every form's fields). */
function shapeOf(s: Obj): Shape {
  if (s.$ref) return shapeOf(RECORD_SCHEMA.$defs[String(s.$ref).split('/').at(-1)!]);
  const forms = ((s.oneOf ?? []) as Obj[]).filter((x) => x.type !== 'null');
  if (forms.length > 1 && forms.every((x) => x.type === 'object'))
    return { kind: 'object', fields: new Map(forms.flatMap((x) => Object.entries(x.properties ?? {}).map(([k, v]) => [k, shapeOf(v as Obj)] as const))) };
  if (s.oneOf) return shapeOf(forms[0]!);
  if (s.const !== undefined || s.enum) return { kind: 'string' };
  if (s.type === 'array') return { kind: 'array', of: shapeOf(s.items) };
  if (s.type === 'object') return { kind: 'object', fields: new Map(Object.entries(s.properties ?? {}).map(([k, v]) => [k, shapeOf(v as Obj)])) };
  if (s.type === 'integer') return { kind: 'integer' };
  if (s.type === 'boolean') return { kind: 'boolean' };
  if (s.type === 'string') return { kind: s.format === 'date-time' ? 'timestamp' : 'string' };
  throw new Error(`unhandled schema ${JSON.stringify(s)}`);
}
const RECORD_SHAPE: Shape = {
  kind: 'object',
  fields: new Map(
    Object.entries(RECORD_SCHEMA.properties as Obj)
      .filter(([k]) => !NOT_TABULAR.has(k))
      .map(([k, v]) => [k, shapeOf(v as Obj)]),
  ),
};

/** Compares a table's shape with the record's; names case-insensitively (both engines match that way). */
function shapeProblems(want: Shape, got: Shape, path: string): string[] {
  if (want.kind === 'object' && got.kind === 'object') {
    const p: string[] = [];
    const gotByLower = new Map([...got.fields].map(([k, v]) => [k.toLowerCase(), v]));
    for (const [k, v] of want.fields) {
      const g = gotByLower.get(k.toLowerCase());
      if (!g) p.push(`${path}${k}: missing`);
      else p.push(...shapeProblems(v, g, `${path}${k}.`));
    }
    const wantLower = new Set([...want.fields.keys()].map((k) => k.toLowerCase()));
    for (const k of got.fields.keys()) if (!wantLower.has(k.toLowerCase())) p.push(`${path}${k}: not in the record schema`);
    return p;
  }
  if (want.kind === 'array' && got.kind === 'array') return shapeProblems(want.of, got.of, path);
  // A timestamp may be kept as its RFC 3339 string.
  if (want.kind === got.kind || (want.kind === 'timestamp' && got.kind === 'string')) return [];
  return [`${path.replace(/\.$/, '')}: ${got.kind}, want ${want.kind}`];
}

function bigQueryShape(fields: Obj[]): Shape {
  const one = (f: Obj): Shape => {
    const base: Shape =
      f.type === 'RECORD' || f.type === 'STRUCT'
        ? bigQueryShape(f.fields ?? [])
        : {
            kind:
              ({ STRING: 'string', INTEGER: 'integer', INT64: 'integer', BOOLEAN: 'boolean', BOOL: 'boolean', TIMESTAMP: 'timestamp' } as const)[
                f.type as 'STRING'
              ] ?? ('?' as 'string'),
          };
    return f.mode === 'REPEATED' ? { kind: 'array', of: base } : base;
  };
  return { kind: 'object', fields: new Map(fields.map((f) => [f.name as string, one(f)])) };
}

/**
 * REQUIRED exactly where the record schema requires a field that cannot be null (a REQUIRED column
 * fails on null; `prev` is required but null at seq 0, so it must be NULLABLE).
 */
function bigQueryModeProblems(fields: Obj[], schema: Obj, path = ''): string[] {
  const p: string[] = [];
  const required = new Set<string>(schema.required ?? []);
  for (const f of fields) {
    const s = schema.properties?.[f.name] as Obj | undefined;
    if (!s) continue;
    const nullable = (s.oneOf ?? []).some((x: Obj) => x.type === 'null') || s.type === 'null';
    const mustBeRequired = required.has(f.name) && !nullable;
    if (f.mode !== 'REPEATED' && (f.mode === 'REQUIRED') !== mustBeRequired)
      p.push(
        `${path}${f.name}: mode ${f.mode ?? 'NULLABLE'}, but the record schema ${mustBeRequired ? 'requires it and it is never null' : 'lets it be absent or null'}`,
      );
    const inner = s.type === 'array' ? s.items : s;
    if (f.fields && inner?.properties) p.push(...bigQueryModeProblems(f.fields, inner, `${path}${f.name}.`));
  }
  return p;
}

/** Hive DDL types: string, bigint, int, boolean, array<T>, struct<name:T, …> (names may be `quoted`). */
function hiveShape(type: string): Shape {
  let i = 0;
  const ws = () => {
    while (/\s/.test(type[i] ?? '')) i++;
  };
  const word = () => {
    ws();
    const m = /^`?(\w+)`?/.exec(type.slice(i));
    if (!m) throw new Error(`bad Hive type at ${type.slice(i)}`);
    i += m[0].length;
    return m[1]!;
  };
  const eat = (c: string) => {
    ws();
    if (type[i] !== c) throw new Error(`expected ${c} at ${type.slice(i)}`);
    i++;
  };
  const parse = (): Shape => {
    const w = word().toLowerCase();
    if (w === 'array') {
      eat('<');
      const of = parse();
      eat('>');
      return { kind: 'array', of };
    }
    if (w === 'struct') {
      eat('<');
      const fields = new Map<string, Shape>();
      for (;;) {
        const name = word();
        eat(':');
        fields.set(name, parse());
        ws();
        if (type[i] === ',') i++;
        else break;
      }
      eat('>');
      return { kind: 'object', fields };
    }
    const prim = ({ string: 'string', bigint: 'integer', int: 'integer', boolean: 'boolean', timestamp: 'timestamp' } as const)[w as 'string'];
    if (!prim) throw new Error(`unhandled Hive type ${w}`);
    return { kind: prim };
  };
  const shape = parse();
  ws();
  if (i !== type.length) throw new Error(`trailing text in Hive type: ${type.slice(i)}`);
  return shape;
}

/** The CREATE EXTERNAL TABLE statements of athena.sql: columns, partitions, properties. */
function athenaTables(
  sql: string,
): Map<string, { columns: Map<string, string>; partitions: string[]; location: string; serde: string; props: Map<string, string> }> {
  const noComments = sql.replace(/--[^\n]*/g, '');
  const tables = new Map();
  for (const stmt of noComments
    .split(';')
    .map((s) => s.trim())
    .filter((s) => /^CREATE EXTERNAL TABLE/i.test(s))) {
    const name = /^CREATE EXTERNAL TABLE(?: IF NOT EXISTS)?\s+`?([\w.]+)`?\s*\(/i.exec(stmt)![1]!;
    const cols = /\(([\s\S]*?)\)\s*PARTITIONED BY/i.exec(stmt)![1]!;
    const columns = new Map<string, string>();
    // Split the column list on top-level commas only (struct<…, …> has its own).
    let depth = 0;
    let cur = '';
    for (const ch of `${cols},`) {
      if (ch === '<') depth++;
      if (ch === '>') depth--;
      if (ch === ',' && depth === 0) {
        const m = /^\s*`?(\w+)`?\s+([\s\S]+?)\s*$/.exec(cur);
        if (m) columns.set(m[1]!, m[2]!);
        cur = '';
      } else cur += ch;
    }
    const partitions = [...(/PARTITIONED BY\s*\(([\s\S]*?)\)/i.exec(stmt)?.[1] ?? '').matchAll(/`?(\w+)`?\s+string/gi)].map((m) => m[1]!);
    const props = new Map([...stmt.matchAll(/'([\w.]+)'\s*=\s*'([^']*)'/g)].map((m) => [m[1]!, m[2]!]));
    tables.set(name, {
      columns,
      partitions,
      location: /LOCATION\s+'([^']+)'/i.exec(stmt)?.[1] ?? '',
      serde: /ROW FORMAT SERDE\s+'([^']+)'/i.exec(stmt)?.[1] ?? (/ROW FORMAT DELIMITED/i.test(stmt) ? 'delimited' : ''),
      props,
    });
  }
  return tables;
}

// =============================================================================================

describe('deploy/kubernetes/base', () => {
  const manifests = loadManifests(BASE);
  const byKind = (kind: string) => manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc);
  const one = (kind: string) => {
    const list = byKind(kind);
    expect(list, `exactly one ${kind}`).toHaveLength(1);
    return list[0]!;
  };
  const configMap = () => byKind('ConfigMap').find((c) => c.metadata.name === 'evidence-agent-config')!;
  const agentConfig = () => parseYaml(configMap().data['evidence-agent.yaml']) as Obj;
  const deployment = () => one('Deployment');
  const cronPod = () => one('CronJob').spec.jobTemplate.spec.template.spec as Obj;
  const envOf = (container: Obj) => Object.fromEntries((container.env ?? []).map((e: Obj) => [e.name, e.value])) as Record<string, string>;

  it('parses, and every object passes kubernetes-models validation', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(8);
    expect(manifests.flatMap((m) => modelProblems(m.doc).map((x) => `${m.file}: ${x}`))).toEqual([]);
    for (const kind of ['Namespace', 'ServiceAccount', 'ConfigMap', 'PersistentVolumeClaim', 'Deployment', 'CronJob', 'NetworkPolicy', 'Service']) {
      expect(byKind(kind).length, kind).toBeGreaterThan(0);
    }
  });

  it('kustomization.yaml lists every manifest file and nothing else', () => {
    const k = parseYaml(readFileSync(join(BASE, 'kustomization.yaml'), 'utf8')) as Obj;
    expect(k.kind).toBe('Kustomization');
    const files = readdirSync(BASE)
      .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
      .sort();
    expect([...(k.resources as string[])].sort()).toEqual(files);
    // The image the manifests name is the one kustomize rewrites, to a tag that is not `latest`.
    const images = new Set(
      [deployment(), one('CronJob')].flatMap((w) => (w.spec.template?.spec ?? w.spec.jobTemplate.spec.template.spec).containers.map((c: Obj) => c.image)),
    );
    expect([...images]).toEqual([k.images[0].name]);
    expect(k.images[0].digest ?? k.images[0].newTag).toMatch(/^(sha256:[0-9a-f]{64}|(?!latest$)[\w.-]+)$/);
  });

  it('runs the daemon as non-root with a read-only root, no escalation, no capabilities; only the spool (and /tmp) writable', () => {
    const spool = agentConfig().store.spool as string;
    expect(podProblems(deployment().spec.template.spec, spool)).toEqual([]);
  });

  it('runs the snapshot CronJob with the same security context', () => {
    expect(podProblems(cronPod(), agentConfig().store.spool)).toEqual([]);
  });

  it('probes /healthz (liveness, startup) and /readyz (readiness) on port 9464', () => {
    const [c] = deployment().spec.template.spec.containers as Obj[];
    expect(probeProblems(c!)).toEqual([]);
  });

  it('keeps one writer per stream: one daemon replica, Recreate, and a snapshot that never overlaps or shares its agent id', () => {
    expect(deployment().spec.replicas).toBe(1);
    expect(deployment().spec.strategy?.type).toBe('Recreate');
    const cron = one('CronJob').spec;
    expect(cron.concurrencyPolicy).toBe('Forbid');
    expect(cron.schedule).toMatch(/^\d{1,2} \d{1,2} \* \* \*$/); // daily, at a fixed time
    const daemonId = envOf(deployment().spec.template.spec.containers[0]).EVIDENCE_AGENT_ID;
    const snapshotId = envOf(cronPod().containers[0]).EVIDENCE_AGENT_ID;
    expect(daemonId).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
    expect(snapshotId).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
    expect(snapshotId).not.toBe(daemonId);
    expect(cronPod().volumes.find((v: Obj) => v.name === 'spool').persistentVolumeClaim.claimName).not.toBe(
      deployment().spec.template.spec.volumes.find((v: Obj) => v.name === 'spool').persistentVolumeClaim.claimName,
    );
  });

  it('runs `snapshot` in the CronJob with the same node and script the image runs the daemon with', () => {
    const entry = execForm(
      parseDockerfile(text('Dockerfile'))
        .stages.at(-1)!
        .instructions.filter((i) => i.cmd === 'ENTRYPOINT')
        .at(-1)!.args,
    )!;
    const command = cronPod().containers[0].command as string[];
    expect(command).toEqual([entry[0], entry[1], 'snapshot']);
    expect(deployment().spec.template.spec.containers[0].command).toBeUndefined(); // the image's daemon entry point
  });

  it('wires the config, signing key and policy documents to the mounts the config names', () => {
    const config = agentConfig();
    expect(configWiringProblems(deployment().spec.template.spec, deployment().spec.template.spec.containers[0], configMap(), config)).toEqual([]);
    expect(configWiringProblems(cronPod(), cronPod().containers[0], configMap(), config)).toEqual([]);
  });

  it("the ConfigMap's evidence-agent.yaml validates against config/config.schema.json", () => {
    const env = envOf(deployment().spec.template.spec.containers[0]);
    expect(configSchemaProblems(agentConfig(), env)).toEqual([]);
    expect(configSchemaProblems(agentConfig(), envOf(cronPod().containers[0]))).toEqual([]);
  });

  it("the ConfigMap's config asks for COMPLIANCE on a bucket, listens on all interfaces, and schedules collectors", () => {
    expect(configPosture(agentConfig(), new RegExp(`^0\\.0\\.0\\.0:${METRICS_PORT}$`))).toEqual([]);
  });

  it("the ConfigMap's config loads with the agent's own loader, collector options included", async () => {
    const env = envOf(deployment().spec.template.spec.containers[0]);
    await expect(loadWithCollectors(configMap().data['evidence-agent.yaml'], env)).resolves.toBeUndefined();
  });

  it('gives the ServiceAccount no API token and binds it to no Role', () => {
    expect(one('ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(manifests.filter((m) => /Role(Binding)?$/.test(m.doc.kind))).toEqual([]);
    expect(deployment().spec.template.spec.serviceAccountName).toBe(one('ServiceAccount').metadata.name);
    expect(cronPod().serviceAccountName).toBe(one('ServiceAccount').metadata.name);
  });

  it('denies ingress except metrics from the monitoring namespace, and egress except DNS and 443', () => {
    const podLabels = [deployment().spec.template.metadata.labels, one('CronJob').spec.jobTemplate.spec.template.metadata.labels];
    expect(networkPolicyProblems(one('NetworkPolicy'), podLabels)).toEqual([]);
  });

  it('enforces the restricted Pod Security Standard on the namespace', () => {
    const ns = one('Namespace');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const k = parseYaml(readFileSync(join(BASE, 'kustomization.yaml'), 'utf8')) as Obj;
    expect(k.namespace).toBe(ns.metadata.name);
  });

  it('exposes metrics through a Service that selects the daemon only', () => {
    const svc = one('Service');
    const labels = deployment().spec.template.metadata.labels as Obj;
    expect(Object.entries(svc.spec.selector).every(([k, v]) => labels[k] === v)).toBe(true);
    expect(Object.entries(svc.spec.selector).every(([k, v]) => one('CronJob').spec.jobTemplate.spec.template.metadata.labels[k] === v)).toBe(false);
    const port = svc.spec.ports[0];
    const target = deployment().spec.template.spec.containers[0].ports.find((x: Obj) => x.name === port.targetPort || x.containerPort === port.targetPort);
    expect(target?.containerPort).toBe(METRICS_PORT);
    expect(svc.spec.type ?? 'ClusterIP').toBe('ClusterIP');
  });

  const kubectl = which('kubectl');
  it.skipIf(!kubectl)(`builds with kustomize (kubectl kustomize)${kubectl ? '' : ': skipped, kubectl is not installed'}`, async () => {
    const { stdout } = await execFileAsync(kubectl!, ['kustomize', BASE], { timeout: 60_000 });
    const built = parseAllDocuments(stdout).map((d) => d.toJS() as Obj);
    expect(built.flatMap(modelProblems)).toEqual([]);
    expect(built.filter((d) => d.kind !== 'Namespace').every((d) => d.metadata.namespace === 'evidence-agent')).toBe(true);
    const images = built.flatMap((d) =>
      [...(d.spec?.template?.spec?.containers ?? []), ...(d.spec?.jobTemplate?.spec?.template?.spec?.containers ?? [])].map((c: Obj) => c.image),
    );
    expect(images.length).toBe(2);
    for (const image of images) expect(image).toMatch(/^evidence-agent(:(?!latest$)[\w.-]+|@sha256:[0-9a-f]{64})$/);
  });
});

describe('deploy/Dockerfile', () => {
  const src = text('Dockerfile');

  it('is multi-stage on Node 24, installs --omit=dev, runs as non-root with a HEALTHCHECK and an exec-form daemon ENTRYPOINT', () => {
    expect(dockerfileProblems(src)).toEqual([]);
  });

  it('uses the port, config path and spool the Kubernetes manifests use', () => {
    const final = parseDockerfile(src).stages.at(-1)!;
    const env = final.instructions
      .filter((i) => i.cmd === 'ENV')
      .map((i) => i.args)
      .join(' ');
    const configPath = /EVIDENCE_AGENT_CONFIG=(\S+)/.exec(env)?.[1];
    const deployEnv = (loadManifests(BASE).find((m) => m.doc.kind === 'Deployment')!.doc.spec.template.spec.containers[0].env as Obj[]).find(
      (e) => e.name === 'EVIDENCE_AGENT_CONFIG',
    )!.value;
    expect(configPath).toBe(deployEnv);
    expect(final.instructions.some((i) => i.cmd === 'EXPOSE' && i.args.split(/\s+/).includes(String(METRICS_PORT)))).toBe(true);
  });

  it("caps V8's young generation with the same NODE_OPTIONS as the systemd unit", () => {
    const env = parseDockerfile(src)
      .stages.at(-1)!
      .instructions.filter((i) => i.cmd === 'ENV')
      .map((i) => i.args)
      .join(' ');
    const image = /NODE_OPTIONS=(\S+)/.exec(env)?.[1];
    const unit = parseUnit(text('systemd', 'evidence-agent.service'))
      .get('Service')!
      .get('Environment')!
      .find((e) => e.startsWith('NODE_OPTIONS='));
    expect(image).toMatch(/^--max-semi-space-size=\d+$/);
    expect(unit).toBe(`NODE_OPTIONS=${image}`);
  });

  it('says in deploy/README.md that the image cannot be built here', () => {
    expect(text('README.md')).toMatch(/cannot be (built|pulled)[^.]*here|no (Docker|container) engine/i);
  });
});

describe('deploy/terraform/aws', () => {
  let tf: Obj;
  beforeAll(async () => {
    tf = await parseTerraform(join(DEPLOY, 'terraform', 'aws'));
  });

  it('parses main.tf, signing-key.tf, variables.tf and outputs.tf', () => {
    expect(
      readdirSync(join(DEPLOY, 'terraform', 'aws'))
        .filter((f) => f.endsWith('.tf'))
        .sort(),
    ).toEqual(['main.tf', 'outputs.tf', 'signing-key.tf', 'variables.tf']);
    expect(Object.keys(tf.resource)).toContain('aws_s3_bucket');
    expect(tf.output).toBeDefined();
  });

  it('locks the bucket: versioning, COMPLIANCE default retention, SSE-KMS, public access blocked, If-None-Match and TLS enforced', () => {
    expect(awsBucketProblems(tf)).toEqual([]);
  });

  it('grants the agent exactly the reviewed actions: nothing that deletes, changes retention or bypasses governance, no wildcards', () => {
    expect(awsAgentPolicyProblems(tf)).toEqual([]);
  });

  it('covers at least the retention the ConfigMap config asks for', () => {
    const config = parseYaml((loadManifests(BASE).find((m) => m.doc.metadata.name === 'evidence-agent-config')!.doc.data as Obj)['evidence-agent.yaml']) as Obj;
    expect(variableDefault(tf, 'retention_days')).toBeGreaterThanOrEqual(config.store.retention.days);
  });
});

describe('deploy/terraform/gcp', () => {
  let tf: Obj;
  beforeAll(async () => {
    tf = await parseTerraform(join(DEPLOY, 'terraform', 'gcp'));
  });

  it('parses main.tf, signing-key.tf, variables.tf and outputs.tf', () => {
    expect(
      readdirSync(join(DEPLOY, 'terraform', 'gcp'))
        .filter((f) => f.endsWith('.tf'))
        .sort(),
    ).toEqual(['main.tf', 'outputs.tf', 'signing-key.tf', 'variables.tf']);
    expect(Object.keys(tf.resource)).toContain('google_storage_bucket');
  });

  it('locks the retention policy, enforces uniform access and public access prevention, and grants only object create and read', () => {
    expect(gcpProblems(tf)).toEqual([]);
  });
});

describe('terraform fmt', () => {
  const terraform = which('terraform');
  it.skipIf(!terraform)(`deploy/terraform is canonically formatted${terraform ? '' : ': skipped, terraform is not installed'}`, async () => {
    // fmt parses every file offline; `terraform validate` would need providers from the registry.
    await expect(execFileAsync(terraform!, ['fmt', '-check', '-recursive', join(DEPLOY, 'terraform')], { timeout: 60_000 })).resolves.toBeDefined();
  });
});

describe('deploy/systemd', () => {
  const unit = text('systemd', 'evidence-agent.service');
  const example = parseYaml(text('systemd', 'evidence-agent.yaml')) as Obj;

  it('hardens the unit: NoNewPrivileges, ProtectSystem=strict, ReadWritePaths only the spool, PrivateTmp, a dedicated non-root user', () => {
    expect(unitProblems(unit, example.store.spool)).toEqual([]);
  });

  it('creates the user it runs as (sysusers.d)', () => {
    const user = parseUnit(unit).get('Service')!.get('User')!.at(-1)!;
    expect(text('systemd', 'evidence-agent.sysusers.conf')).toMatch(new RegExp(`^u ${user} `, 'm'));
  });

  it('its example config validates against config/config.schema.json and loads with its collectors', async () => {
    expect(configSchemaProblems(example, {})).toEqual([]);
    expect(configPosture(example, new RegExp(`^127\\.0\\.0\\.1:${METRICS_PORT}$`))).toEqual([]);
    await expect(loadWithCollectors(text('systemd', 'evidence-agent.yaml'), {})).resolves.toBeUndefined();
  });

  it.skipIf(!SYSTEMD_ANALYZE)(
    `systemd-analyze verify finds no unknown or unparsable setting${SYSTEMD_ANALYZE ? '' : ': skipped, systemd-analyze is not installed'}`,
    async () => {
      expect(await systemdVerifyProblems(unit)).toEqual([]);
    },
  );
});

describe('deploy/analytics', () => {
  it('bigquery.json: newline-delimited JSON over records/, with the record schema less data', () => {
    const def = JSON.parse(text('analytics', 'bigquery.json')) as Obj;
    expect(def.sourceFormat).toBe('NEWLINE_DELIMITED_JSON');
    expect(def.sourceUris.length).toBeGreaterThan(0);
    for (const uri of def.sourceUris) expect(uri).toMatch(/^gs:\/\/[^/]+\/(.+\/)?records\/(\*|[^*]+\/\*)$/);
    expect(def.autodetect).toBe(false);
    expect(def.ignoreUnknownValues).toBe(true); // data and later optional fields
    expect(shapeProblems(RECORD_SHAPE, bigQueryShape(def.schema.fields), '')).toEqual([]);
    expect(bigQueryModeProblems(def.schema.fields, RECORD_SCHEMA)).toEqual([]);
  });

  it('athena.sql: JSON table with the record schema less data and signature, projected over the store layout', () => {
    const tables = athenaTables(text('analytics', 'athena.sql'));
    const typed = tables.get('evidence_records')!;
    expect(typed.serde).toBe('org.apache.hive.hcatalog.data.JsonSerDe');
    const shape: Shape = { kind: 'object', fields: new Map([...typed.columns].map(([k, v]) => [k, hiveShape(v)])) };
    expect(shapeProblems(RECORD_SHAPE, shape, '')).toEqual([]);
    const raw = tables.get('evidence_records_raw')!;
    expect([...raw.columns.keys()]).toEqual(['line']);

    for (const t of [typed, raw]) {
      expect(t.partitions).toEqual(['agent_id', 'collector_id', 'day']);
      expect(t.location).toMatch(/^s3:\/\/[^/]+\/(.+\/)?records\/$/);
      expect(t.props.get('projection.enabled')).toBe('true');
      expect(t.props.get('projection.day.format')).toBe('yyyy-MM-dd');
      // The location template, filled in, must be the folder the agent writes a record to.
      const template = t.props.get('storage.location.template')!;
      expect(template.startsWith(t.location)).toBe(true);
      const key = recordKey('agent-a/collector-b', 7, '2026-03-04T05:06:07.089Z');
      const folder = template
        .slice(t.location.length - 'records/'.length)
        .replace('${agent_id}', 'agent-a')
        .replace('${collector_id}', 'collector-b')
        .replace('${day}', '2026-03-04');
      expect(folder).toBe(`${posix.dirname(key)}/`);
    }
  });

  it('queries.sql: records per control per day (UNNEST controls) and failing records in a window, for both engines', () => {
    const sql = text('analytics', 'queries.sql');
    const [athena, bigquery] = sql.split(/^-- BigQuery/m);
    for (const part of [athena!, bigquery!]) {
      expect(part).toMatch(/UNNEST\(r\.controls\)/);
      expect(part).toMatch(/status IN \('fail', 'error'\)/);
      expect(part).toMatch(/UNNEST\(r\.findings\)/);
    }
    expect(athena).toMatch(/FROM evidence_records\b/);
    expect(bigquery).toMatch(/`PROJECT\.DATASET\.evidence_records`/);
  });
});

describe('deploy/README.md', () => {
  it('describes every piece', () => {
    const readme = text('README.md');
    for (const piece of ['Dockerfile', 'kubernetes/base', 'terraform/aws', 'terraform/gcp', 'analytics', 'systemd']) expect(readme).toContain(piece);
  });
});

// =============================================================================================
// Each check above must be able to fail: break a copy of the real file and see it reported.

describe('the deployment checks catch what they are for', () => {
  const manifests = loadManifests(BASE);
  const deployment = manifests.find((m) => m.doc.kind === 'Deployment')!.doc;
  const configMap = manifests.find((m) => m.doc.metadata?.name === 'evidence-agent-config')!.doc;
  const config = parseYaml(configMap.data['evidence-agent.yaml']) as Obj;
  const spool = config.store.spool as string;
  const pod = () => clone(deployment.spec.template.spec) as Obj;
  const container = (p: Obj) => p.containers[0] as Obj;

  it('pod security', () => {
    const cases: [string, (p: Obj) => void][] = [
      ['runAsNonRoot', (p) => (p.securityContext.runAsNonRoot = false)],
      ['runAsUser', (p) => (p.securityContext.runAsUser = 0)],
      ['fsGroup', (p) => delete p.securityContext.fsGroup],
      ['seccompProfile', (p) => delete p.securityContext.seccompProfile],
      ['automountServiceAccountToken', (p) => delete p.automountServiceAccountToken],
      ['hostNetwork', (p) => (p.hostNetwork = true)],
      ['readOnlyRootFilesystem', (p) => (container(p).securityContext.readOnlyRootFilesystem = false)],
      ['allowPrivilegeEscalation', (p) => delete container(p).securityContext.allowPrivilegeEscalation],
      ['capabilities.drop', (p) => (container(p).securityContext.capabilities.drop = ['NET_RAW'])],
      ['adds capabilities', (p) => (container(p).securityContext.capabilities.add = ['NET_ADMIN'])],
      ['privileged', (p) => (container(p).securityContext.privileged = true)],
      ['is writable', (p) => (container(p).volumeMounts.find((m: Obj) => m.name === 'config').readOnly = false)],
      ['no writable PVC or emptyDir mounted at', (p) => (container(p).volumeMounts.find((m: Obj) => m.name === 'spool').mountPath = '/var/spool/other')],
      ['hostPath', (p) => p.volumes.push({ name: 'host', hostPath: { path: '/' } })],
      [
        'is writable',
        (p) => {
          const tmp = p.volumes.find((v: Obj) => v.name === 'tmp');
          tmp.emptyDir = undefined;
          tmp.hostPath = { path: '/tmp' };
        },
      ],
    ];
    expect(podProblems(pod(), spool)).toEqual([]);
    for (const [want, breakIt] of cases) {
      const p = pod();
      breakIt(p);
      expect(podProblems(p, spool).join('\n'), want).toContain(want);
    }
  });

  it('probes', () => {
    const c = container(pod());
    c.livenessProbe.httpGet.path = '/';
    c.readinessProbe.httpGet.port = 8080;
    const p = probeProblems(c);
    expect(p.join('\n')).toMatch(/livenessProbe path/);
    expect(p.join('\n')).toMatch(/readinessProbe port/);
    delete c.readinessProbe;
    expect(probeProblems(c).join('\n')).toMatch(/readinessProbe is not an httpGet probe/);
  });

  it('config wiring', () => {
    const p = pod();
    container(p).env.find((e: Obj) => e.name === 'EVIDENCE_AGENT_CONFIG').value = '/etc/evidence-agent/other/evidence-agent.yaml';
    expect(configWiringProblems(p, container(p), configMap, config).join('\n')).toMatch(/is not the ConfigMap/);
    const q = pod();
    container(q).env = container(q).env.filter((e: Obj) => e.name !== 'EVIDENCE_AGENT_ID');
    expect(configWiringProblems(q, container(q), configMap, config).join('\n')).toMatch(/needs EVIDENCE_AGENT_ID/);
    const c2 = clone(config);
    c2.signing.key = 'checkpoint.pem';
    expect(configWiringProblems(pod(), container(pod()), configMap, c2).join('\n')).toMatch(/not on a Secret mount/);
    c2.collectors[1].options.paths = ['/srv/policies/*.md'];
    expect(configWiringProblems(pod(), container(pod()), configMap, c2).join('\n')).toMatch(/not a ConfigMap mount/);
  });

  it('config schema and posture', () => {
    expect(configSchemaProblems({ ...clone(config), surprise: 1 }, { EVIDENCE_AGENT_ID: 'a' }).join('\n')).toMatch(/surprise: unknown key/);
    expect(configSchemaProblems(config, {}).join('\n')).toMatch(/EVIDENCE_AGENT_ID is not set/);
    const c = clone(config);
    c.store.retention.mode = 'GOVERNANCE';
    c.store.url = 'file:./evidence';
    c.server.listen = '127.0.0.1:9464';
    c.store.spool = './spool';
    for (const x of c.collectors) delete x.schedule;
    const p = configPosture(c, /^0\.0\.0\.0:9464$/).join('\n');
    for (const want of ['COMPLIANCE', 'not a locked bucket', 'absolute path', 'server.listen', 'no collector has a schedule']) expect(p).toContain(want);
  });

  it('network policy', () => {
    const np = clone(manifests.find((m) => m.doc.kind === 'NetworkPolicy')!.doc);
    const labels = [deployment.spec.template.metadata.labels];
    expect(networkPolicyProblems(np, labels)).toEqual([]);
    const a = clone(np);
    a.spec.egress.push({ ports: [{ protocol: 'TCP', port: 80 }] });
    expect(networkPolicyProblems(a, labels).join('\n')).toMatch(/egress allows TCP\/80/);
    const b = clone(np);
    b.spec.ingress[0].from = [{ namespaceSelector: {} }];
    expect(networkPolicyProblems(b, labels).join('\n')).toMatch(/not the monitoring namespace/);
    const c = clone(np);
    c.spec.policyTypes = ['Ingress'];
    c.spec.egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] });
    expect(networkPolicyProblems(c, labels).join('\n')).toMatch(/policyTypes[\s\S]*every port/);
    expect(networkPolicyProblems(np, [{ 'app.kubernetes.io/name': 'other' }]).join('\n')).toMatch(/does not select/);
  });

  it('kubernetes-models rejects a malformed object', () => {
    const d = clone(deployment);
    d.spec.template.spec.securityContext.runAsUser = 'nonroot';
    expect(modelProblems(d).join('\n')).toMatch(/runAsUser must be integer/);
    expect(modelProblems({ apiVersion: 'extensions/v1beta1', kind: 'Deployment' })).toHaveLength(1);
  });

  it('Dockerfile', () => {
    const src = text('Dockerfile');
    const cases: [string, (s: string) => string][] = [
      [
        'stage(s)',
        (s) =>
          s.replace(/FROM \$\{BUILD_IMAGE\} AS build[\s\S]*?(?=FROM \$\{RUNTIME_IMAGE\})/, '').replace(/FROM \$\{BUILD_IMAGE\} AS deps[\s\S]*?(?=FROM)/, ''),
      ],
      ['not a numeric non-root user', (s) => s.replace(/^USER .*$/m, 'USER root')],
      ['sets no USER', (s) => s.replace(/^USER .*$/m, '')],
      ['no HEALTHCHECK', (s) => s.replace(/^HEALTHCHECK[\s\S]*?\n(?=\n)/m, '')],
      ['HEALTHCHECK is not an exec-form CMD', (s) => s.replace(/CMD \["\/nodejs\/bin\/node", "-e", (".*")\]/, 'CMD node -e $1')],
      ['ENTRYPOINT is missing or not in exec form', (s) => s.replace(/^ENTRYPOINT .*$/m, 'ENTRYPOINT node /app/bin/evidence-agent.js daemon')],
      ['does not run `evidence-agent daemon`', (s) => s.replace(/"daemon"\]$/m, '"snapshot"]')],
      ['npm ci --omit=dev', (s) => s.replace('npm ci --omit=dev', 'npm ci')],
      ['RUN instructions', (s) => s.replace(/^USER /m, 'RUN mkdir /x\nUSER ')],
      ['not a Node 24', (s) => s.replace(/^ARG BUILD_IMAGE=.*$/m, 'ARG BUILD_IMAGE=node:22-bookworm-slim')],
      ['not a Node 24 distroless', (s) => s.replace(/^ARG RUNTIME_IMAGE=.*$/m, 'ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot')],
      ['not pinned', (s) => s.replace(/^ARG BUILD_IMAGE=.*$/m, 'ARG BUILD_IMAGE=node')],
      ['not pinned', (s) => s.replace(/^ARG RUNTIME_IMAGE=.*$/m, 'ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:latest')],
      ['no such file', (s) => s.replace('COPY bin ./bin', 'COPY binaries ./bin')],
      [
        'does not copy node_modules',
        (s) => s.replace('COPY --from=deps /src/node_modules ./node_modules', 'COPY --from=build /src/node_modules ./node_modules'),
      ],
    ];
    expect(dockerfileProblems(src)).toEqual([]);
    for (const [want, breakIt] of cases) {
      const broken = breakIt(src);
      expect(broken, `mutation for "${want}" changed nothing`).not.toBe(src);
      expect(dockerfileProblems(broken).join('\n'), want).toContain(want);
    }
  });

  it('systemd unit', () => {
    const unit = text('systemd', 'evidence-agent.service');
    const spoolDir = (parseYaml(text('systemd', 'evidence-agent.yaml')) as Obj).store.spool as string;
    const cases: [string, (s: string) => string][] = [
      ['NoNewPrivileges', (s) => s.replace('NoNewPrivileges=yes', 'NoNewPrivileges=no')],
      ['ProtectSystem', (s) => s.replace('ProtectSystem=strict', 'ProtectSystem=full')],
      ['PrivateTmp', (s) => s.replace('PrivateTmp=yes', '')],
      ['ReadWritePaths', (s) => s.replace(/^ReadWritePaths=.*$/m, `ReadWritePaths=${spoolDir} /etc`)],
      ['StateDirectory', (s) => s.replace(/^StateDirectory=.*$/m, 'StateDirectory=evidence-agent')],
      ['User=root', (s) => s.replace(/^User=.*$/m, 'User=root')],
      ['User=(unset)', (s) => s.replace(/^User=.*$/m, '')],
      ['CapabilityBoundingSet', (s) => s.replace(/^CapabilityBoundingSet=$/m, 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE')],
      ['MemoryDenyWriteExecute', (s) => s.replace('[Service]', '[Service]\nMemoryDenyWriteExecute=yes')],
      ['TimeoutStopSec', (s) => s.replace('TimeoutStopSec=15', 'TimeoutStopSec=90')],
      ['ExecReload', (s) => s.replace(/^ExecReload=.*$/m, '')],
    ];
    expect(unitProblems(unit, spoolDir)).toEqual([]);
    for (const [want, breakIt] of cases) {
      const broken = breakIt(unit);
      expect(broken, `mutation for "${want}" changed nothing`).not.toBe(unit);
      expect(unitProblems(broken, spoolDir).join('\n'), want).toContain(want);
    }
  });

  it.skipIf(!SYSTEMD_ANALYZE)('systemd-analyze verify', async () => {
    const unit = text('systemd', 'evidence-agent.service');
    const broken = unit.replace('ProtectSystem=strict', 'ProtectSystem=strictly').replace('[Service]', '[Service]\nNoNewPrivilege=yes');
    const p = (await systemdVerifyProblems(broken)).join('\n');
    expect(p).toMatch(/protect system value/i);
    expect(p).toMatch(/Unknown key 'NoNewPrivilege'/);
  });

  it('AWS bucket and agent policy', async () => {
    const tf = await parseTerraform(join(DEPLOY, 'terraform', 'aws'));
    const bucketCases: [string, (t: Obj) => void][] = [
      ['object_lock_enabled', (t) => (t.resource.aws_s3_bucket.evidence[0].object_lock_enabled = false)],
      ['versioning is not Enabled', (t) => (t.resource.aws_s3_bucket_versioning.evidence[0].versioning_configuration[0].status = 'Suspended')],
      ['not COMPLIANCE', (t) => (t.resource.aws_s3_bucket_object_lock_configuration.evidence[0].rule[0].default_retention[0].mode = 'GOVERNANCE')],
      ['not 400', (t) => (t.variable.retention_days[0].default = 30)],
      [
        'not aws:kms',
        (t) =>
          (t.resource.aws_s3_bucket_server_side_encryption_configuration.evidence[0].rule[0].apply_server_side_encryption_by_default[0].sse_algorithm =
            'AES256'),
      ],
      ['block_public_policy', (t) => (t.resource.aws_s3_bucket_public_access_block.evidence[0].block_public_policy = false)],
      [
        's3:if-none-match',
        (t) =>
          (t.data.aws_iam_policy_document.bucket[0].statement = t.data.aws_iam_policy_document.bucket[0].statement.filter(
            (s: Obj) => s.sid !== 'DenyPutObjectWithoutIfNoneMatch',
          )),
      ],
      [
        's3:if-none-match',
        (t) => (t.data.aws_iam_policy_document.bucket[0].statement.find((s: Obj) => s.sid === 'DenyPutObjectWithoutIfNoneMatch').effect = 'Allow'),
      ],
      [
        'insecure transport',
        (t) =>
          (t.data.aws_iam_policy_document.bucket[0].statement = t.data.aws_iam_policy_document.bucket[0].statement.filter(
            (s: Obj) => s.sid !== 'DenyInsecureTransport',
          )),
      ],
    ];
    expect(awsBucketProblems(tf)).toEqual([]);
    for (const [want, breakIt] of bucketCases) {
      const t = clone(tf);
      breakIt(t);
      expect(awsBucketProblems(t).join('\n'), want).toContain(want);
    }
    const grant = (t: Obj, actions: string[]) =>
      t.data.aws_iam_policy_document.agent[0].statement.push({ effect: 'Allow', actions, resources: ['${local.objects_arn}'] });
    const agentCases: [string, (t: Obj) => void][] = [
      ['allows s3:DeleteObject', (t) => grant(t, ['s3:DeleteObject'])],
      ['allows s3:DeleteObjectVersion', (t) => grant(t, ['s3:DeleteObjectVersion'])],
      ['allows s3:BypassGovernanceRetention', (t) => grant(t, ['s3:BypassGovernanceRetention'])],
      ['allows s3:PutObjectRetention', (t) => grant(t, ['s3:PutObjectRetention'])],
      ['allows s3:PutBucketObjectLockConfiguration', (t) => grant(t, ['s3:PutBucketObjectLockConfiguration'])],
      ['allows s3:*', (t) => grant(t, ['s3:*'])],
      ['allows s3:Get*', (t) => grant(t, ['s3:Get*'])],
      ['not_actions', (t) => t.data.aws_iam_policy_document.agent[0].statement.push({ effect: 'Allow', not_actions: ['s3:GetObject'], resources: ['*'] })],
      ['not in the reviewed list', (t) => grant(t, ['s3:PutObjectTagging'])],
      [
        'does not allow s3:PutObject',
        (t) =>
          (t.data.aws_iam_policy_document.agent[0].statement = t.data.aws_iam_policy_document.agent[0].statement.filter(
            (s: Obj) => s.sid !== 'WriteAndReadEvidence',
          )),
      ],
      ['inline permissions', (t) => (t.resource.aws_iam_role_policy = { extra: [{ policy: '{}' }] })],
      ['is not built from', (t) => (t.resource.aws_iam_policy.agent[0].policy = '{"Statement":[]}')],
    ];
    expect(awsAgentPolicyProblems(tf)).toEqual([]);
    for (const [want, breakIt] of agentCases) {
      const t = clone(tf);
      breakIt(t);
      expect(awsAgentPolicyProblems(t).join('\n'), want).toContain(want);
    }
  });

  it('GCS bucket and agent role', async () => {
    const tf = await parseTerraform(join(DEPLOY, 'terraform', 'gcp'));
    const cases: [string, (t: Obj) => void][] = [
      ['is_locked', (t) => (t.resource.google_storage_bucket.evidence[0].retention_policy[0].is_locked = false)],
      ['uniform_bucket_level_access', (t) => delete t.resource.google_storage_bucket.evidence[0].uniform_bucket_level_access],
      ['public_access_prevention', (t) => (t.resource.google_storage_bucket.evidence[0].public_access_prevention = 'inherited')],
      ['storage.objects.delete', (t) => t.resource.google_project_iam_custom_role.agent[0].permissions.push('storage.objects.delete')],
      ['storage.buckets.setIamPolicy', (t) => t.resource.google_project_iam_custom_role.agent[0].permissions.push('storage.buckets.setIamPolicy')],
      ['roles/storage.objectAdmin', (t) => (t.resource.google_storage_bucket_iam_member.agent[0].role = 'roles/storage.objectAdmin')],
      ['google_project_iam_member', (t) => (t.resource.google_project_iam_member = { x: [{ role: 'roles/storage.admin' }] })],
    ];
    expect(gcpProblems(tf)).toEqual([]);
    for (const [want, breakIt] of cases) {
      const t = clone(tf);
      breakIt(t);
      expect(gcpProblems(t).join('\n'), want).toContain(want);
    }
  });

  it('analytics shapes', () => {
    const def = JSON.parse(text('analytics', 'bigquery.json')) as Obj;
    const fewer = clone(def.schema.fields).filter((f: Obj) => f.name !== 'prev');
    expect(shapeProblems(RECORD_SHAPE, bigQueryShape(fewer), '').join('\n')).toMatch(/prev: missing/);
    const wrong = clone(def.schema.fields);
    wrong.find((f: Obj) => f.name === 'controls').mode = 'NULLABLE';
    wrong.find((f: Obj) => f.name === 'summary').mode = 'NULLABLE';
    expect(shapeProblems(RECORD_SHAPE, bigQueryShape(wrong), '').join('\n')).toMatch(/controls: string, want array/);
    expect(bigQueryModeProblems(wrong, RECORD_SCHEMA).join('\n')).toMatch(/summary: mode NULLABLE/);
    const extra = { kind: 'object', fields: new Map([...(hiveShape('struct<a:string>') as { fields: Map<string, Shape> }).fields]) } as Shape;
    expect(shapeProblems(RECORD_SHAPE, extra, '').join('\n')).toMatch(/a: not in the record schema/);
    expect(shapeProblems(hiveShape('struct<x:array<struct<`key`:string>>>'), hiveShape('struct<x:array<struct<`key`:bigint>>>'), '')).toEqual([
      'x.key: integer, want string',
    ]);
  });
});
