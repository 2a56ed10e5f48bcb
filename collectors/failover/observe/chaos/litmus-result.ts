/** The parts of a LitmusChaos ChaosResult (litmuschaos.io/v1alpha1) that say how a drill went. */
export interface LitmusChaosResult {
  namespace: string;
  name: string;
  engine: string;
  experiment: string;
  phase: string;
  verdict: string;
  /** Litmus writes it as a string ("100", or "Awaited" while the run is on); null when it is not a number. */
  probeSuccessPercentage: number | null;
  failStep?: string;
  errorReason?: string;
  runs?: { passed: number; failed: number; stopped: number };
  probes: { name: string; type?: string; verdict: string }[];
  createdAt?: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const count = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0);

/** The ChaosResults in one parsed document: a ChaosResult, or a List of items (kubectl get -o yaml). */
export function chaosResultsIn(doc: unknown): unknown[] {
  const d = obj(doc);
  if (d.kind === 'ChaosResult') return [d];
  if (Array.isArray(d.items)) return d.items.filter((i) => obj(i).kind === 'ChaosResult' || d.kind === 'ChaosResultList');
  return [];
}

/** The ChaosResult's drill fields, or a sentence saying what is missing. */
export function readChaosResult(value: unknown): LitmusChaosResult | string {
  const r = obj(value);
  const meta = obj(r.metadata);
  const spec = obj(r.spec);
  const status = obj(obj(r.status).experimentStatus);
  const name = str(meta.name);
  if (!name) return 'a ChaosResult without metadata.name';
  const engine = str(spec.engine);
  if (!engine) return `ChaosResult ${name} has no spec.engine`;
  const phase = str(status.phase);
  const verdict = str(status.verdict);
  if (!phase || !verdict) return `ChaosResult ${name} has no status.experimentStatus phase and verdict`;
  const percentage = Number(status.probeSuccessPercentage);
  const history = obj(obj(r.status).history);
  const failStep = str(status.failStep);
  const errorReason = str(obj(status.errorOutput).reason);
  const createdAt = str(meta.creationTimestamp);
  return {
    namespace: str(meta.namespace) ?? 'default',
    name,
    engine,
    experiment: str(spec.experiment) ?? name.slice(engine.length + 1),
    phase,
    verdict,
    probeSuccessPercentage:
      typeof status.probeSuccessPercentage !== 'boolean' && Number.isFinite(percentage) && percentage >= 0 && percentage <= 100 ? percentage : null,
    ...(failStep && failStep !== 'N/A' ? { failStep } : {}),
    ...(errorReason ? { errorReason } : {}),
    ...('passedRuns' in history || 'failedRuns' in history
      ? { runs: { passed: count(history.passedRuns), failed: count(history.failedRuns), stopped: count(history.stoppedRuns) } }
      : {}),
    probes: (Array.isArray(obj(r.status).probeStatuses) ? (obj(r.status).probeStatuses as unknown[]) : []).map((p) => {
      const probe = obj(p);
      const type = str(probe.type);
      return { name: str(probe.name) ?? '(unnamed)', ...(type ? { type } : {}), verdict: str(obj(probe.status).verdict) ?? 'unknown' };
    }),
    ...(createdAt ? { createdAt } : {}),
  };
}
