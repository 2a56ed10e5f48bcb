import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCollectorOnce } from '../../../src/testing.js';
import { chaosCollector } from './chaos-collector.js';
import { type KubernetesStandIn, startKubernetesStandIn } from './chaos-kubernetes-standin.js';

/** A ChaosResult as LitmusChaos 3.x writes it (kubectl get chaosresult -o yaml). */
function chaosResult(engine: string, experiment: string, verdict: string, phase: string, probeSuccessPercentage: string, probes: [string, string][]) {
  return {
    apiVersion: 'litmuschaos.io/v1alpha1',
    kind: 'ChaosResult',
    metadata: {
      name: `${engine}-${experiment}`,
      namespace: 'litmus',
      creationTimestamp: '2026-03-09T10:00:00Z',
      labels: { 'app.kubernetes.io/component': 'experiment-job', chaosUID: '7f1c1c4e-0d6b-4c1e-9f43-5f0b2d8a1a11' },
    },
    spec: { engine, experiment },
    status: {
      experimentStatus: {
        phase,
        verdict,
        probeSuccessPercentage,
        failStep: verdict === 'Fail' ? 'Failed probe: fraud-frontdoor-healthy' : 'N/A',
      },
      history: {
        passedRuns: verdict === 'Pass' ? 3 : 2,
        failedRuns: verdict === 'Fail' ? 1 : 0,
        stoppedRuns: 0,
        targets: [{ name: 'fraud-a', kind: 'deployment' }],
      },
      probeStatuses: probes.map(([name, v]) => ({ name, type: 'httpProbe', mode: 'Continuous', status: { verdict: v, description: `Probe ${v}` } })),
    },
  };
}

const ENGINES = [
  { engine: 'fraud-failover', service: 'fraud-api' },
  { engine: 'search-failover', service: 'search-api' },
];

describe('LitmusChaos ChaosResults', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chaos-litmus-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('records each ChaosResult of a mapped engine from exported YAML and JSON files, with verdict, probe success and phase', async () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        chaosResult('fraud-failover', 'pod-delete', 'Pass', 'Completed', '100', [['fraud-frontdoor-healthy', 'Passed']]),
        chaosResult('search-failover', 'pod-network-loss', 'Fail', 'Completed', '50', [
          ['search-frontdoor-healthy', 'Failed'],
          ['search-latency', 'Passed'],
        ]),
      ],
    };
    await writeFile(
      join(dir, 'results.yaml'),
      `${stringify(list)}---\n${stringify(chaosResult('unrelated-engine', 'pod-cpu-hog', 'Pass', 'Completed', '100', []))}`,
    );
    await writeFile(join(dir, 'awaited.json'), JSON.stringify(chaosResult('fraud-failover', 'node-drain', 'Awaited', 'Running', 'Awaited', [])));

    const { records } = await runCollectorOnce(
      chaosCollector(),
      { chaos: { litmus: { engines: ENGINES, files: ['results.yaml', 'awaited.json'] } } },
      { configDir: dir },
    );

    expect(records.map((r) => [r.subject.id, r.status, r.findings.map((f) => f.code)])).toEqual([
      ['fraud-api', 'pass', []],
      ['search-api', 'fail', ['drill-failed']],
      ['fraud-api', 'info', ['drill-unfinished']],
    ]);
    expect(records[0]?.subject).toEqual({ kind: 'service', id: 'fraud-api' });
    expect(records[0]?.data).toEqual({
      source: 'litmus',
      drillOutcome: 'imported',
      experiment: {
        id: 'litmus/fraud-failover-pod-delete',
        template: 'fraud-failover',
        state: 'Completed',
        verdict: 'Pass',
        probeSuccessPercentage: 100,
        runs: { passed: 3, failed: 0, stopped: 0 },
        actions: [{ name: 'pod-delete', action: 'pod-delete', state: 'Completed' }],
        stopConditions: [],
        stoppedByStopCondition: false,
        probes: [{ name: 'fraud-frontdoor-healthy', type: 'httpProbe', verdict: 'Passed' }],
      },
    });
    expect(records[1]?.data.experiment).toMatchObject({ probeSuccessPercentage: 50, reason: 'Failed probe: fraud-frontdoor-healthy' });
    expect(records[1]?.findings[0]?.message).toContain('failed probes: search-frontdoor-healthy');
    // "Awaited" is not a percentage: left out rather than guessed.
    expect(records[2]?.data.experiment).not.toHaveProperty('probeSuccessPercentage');
  });

  it('writes an error record for each mapped service when an exported file is missing, naming the file', async () => {
    const { records } = await runCollectorOnce(chaosCollector(), { chaos: { litmus: { engines: ENGINES, files: ['gone.yaml'] } } }, { configDir: dir });
    expect(records.map((r) => [r.subject.id, r.status])).toEqual([
      ['fraud-api', 'error'],
      ['search-api', 'error'],
    ]);
    expect(records[0]?.findings[0]?.message).toContain(`${join(dir, 'gone.yaml')} does not exist: check chaos.litmus.files`);
  });

  describe('from the Kubernetes API with the in-cluster service account (a loopback HTTPS stand-in of the API server)', () => {
    let api: KubernetesStandIn | undefined;
    afterEach(async () => api?.close());

    it('reads the namespace page by page over TLS checked against the service account CA, with its token', async () => {
      const items = [
        chaosResult('fraud-failover', 'pod-delete', 'Pass', 'Completed', '100', []),
        chaosResult('search-failover', 'pod-delete', 'Stopped', 'Stopped', '0', []),
        chaosResult('fraud-failover', 'container-kill', 'Fail', 'Completed', '0', [['fraud-frontdoor-healthy', 'Failed']]),
      ];
      api = await startKubernetesStandIn(dir, 'litmus', items, 'sa-token-standin', 2);
      const collector = chaosCollector({ serviceAccountDir: dir, host: api.host, port: api.port });
      const { records } = await runCollectorOnce(collector, { chaos: { litmus: { engines: ENGINES, kubernetes: { namespace: 'litmus' } } } });

      expect(records.map((r) => [r.subject.id, r.status, (r.data.experiment as { id: string }).id])).toEqual([
        ['fraud-api', 'pass', 'litmus/fraud-failover-pod-delete'],
        ['search-api', 'fail', 'litmus/search-failover-pod-delete'],
        ['fraud-api', 'fail', 'litmus/fraud-failover-container-kill'],
      ]);
      expect(records[1]?.findings.map((f) => f.code)).toEqual(['drill-stopped']);
      expect(api.requests.map((r) => r.query.get('continue'))).toEqual([null, '2']);
      expect(JSON.stringify(records)).not.toContain('sa-token-standin');
    });

    it('writes an error record saying which permission to grant when the API server refuses the token', async () => {
      api = await startKubernetesStandIn(dir, 'litmus', [], 'the-right-token');
      await writeFile(join(dir, 'token'), 'a-revoked-token\n');
      const collector = chaosCollector({ serviceAccountDir: dir, host: api.host, port: api.port });
      const { records } = await runCollectorOnce(collector, { chaos: { litmus: { engines: ENGINES.slice(0, 1), kubernetes: { namespace: 'litmus' } } } });
      expect(records.map((r) => [r.subject.id, r.status])).toEqual([['fraud-api', 'error']]);
      expect(records[0]?.findings[0]?.message).toMatch(/answered 401; grant the service account get and list on chaosresults\.litmuschaos\.io/);
    });

    it('refuses an API server whose certificate the service account CA did not sign', async () => {
      api = await startKubernetesStandIn(dir, 'litmus', [], 'sa-token-standin');
      const other = await mkdtemp(join(tmpdir(), 'chaos-litmus-other-ca-'));
      const impostor = await startKubernetesStandIn(other, 'litmus', [], 'sa-token-standin');
      try {
        // The pod's CA is the first stand-in's; the second one's certificate is self-signed by another key.
        const collector = chaosCollector({ serviceAccountDir: dir, host: impostor.host, port: impostor.port });
        const { records } = await runCollectorOnce(collector, { chaos: { litmus: { engines: ENGINES.slice(0, 1), kubernetes: { namespace: 'litmus' } } } });
        expect(records[0]?.status).toBe('error');
        expect(records[0]?.findings[0]?.message).toMatch(/did not answer \(.*certificate.*\); check KUBERNETES_SERVICE_HOST\/PORT and ca\.crt/);
        expect(impostor.requests).toEqual([]);
      } finally {
        await impostor.close();
        await rm(other, { recursive: true, force: true });
      }
    });

    it('writes an error record outside a pod, pointing to exported files instead', async () => {
      const { records } = await runCollectorOnce(chaosCollector(), {
        chaos: { litmus: { engines: ENGINES.slice(0, 1), kubernetes: { namespace: 'litmus' } } },
      });
      expect(records[0]?.findings[0]?.message).toMatch(/KUBERNETES_SERVICE_HOST is not set.*use chaos\.litmus\.files/);
    });
  });
});
