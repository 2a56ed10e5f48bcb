import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCollectorOnce } from '../../../src/testing.js';
import collector from '../index.js';
import { loopbackCertificate } from './loopback-cert.js';
import { options, type Stack, startStack } from './servers.js';

let stack: Stack;
afterEach(async () => {
  await stack?.close();
});

const codes = (r: { findings?: { code: string }[] }) => (r.findings ?? []).map((f) => f.code);

describe('failover: probe mode', () => {
  it('passes when the front door meets its SLO and both targets answer, and attaches the probe timeline', async () => {
    stack = await startStack();
    const { records } = await runCollectorOnce(collector, options(stack, { drill: false }));
    const [r] = records;
    expect(r!.status).toBe('pass');
    expect(r!.subject).toEqual({ kind: 'service', id: 'fraud-api' });
    expect(r!.data).toMatchObject({ source: 'probe', frontDoor: { probes: 3, errors: 0 }, servedBy: { primary: 3 } });
    expect(r!.attachments?.[0]).toMatchObject({ name: 'fraud-api-probes.jsonl', mediaType: 'application/jsonl' });
    expect(stack.calls).toEqual([]);
  });

  it('fails when a target is down', async () => {
    stack = await startStack();
    stack.state.standbyUp = false;
    const { records } = await runCollectorOnce(collector, options(stack, { drill: false }));
    expect(records[0]!.status).toBe('fail');
    expect(codes(records[0]!)).toEqual(['target-down']);
  });

  it('does not drill without consent, and says how to give it', async () => {
    stack = await startStack();
    const { records } = await runCollectorOnce(collector, options(stack));
    expect(records[0]!.status).toBe('pass');
    expect(records[0]!.data).toMatchObject({ source: 'probe', drillOutcome: 'not-allowed' });
    expect(codes(records[0]!)).toEqual(['drill-not-allowed']);
    expect(stack.calls).toEqual([]);
  });
});

describe('failover: drills', () => {
  it('passes a drill that recovers on the standby within the RTO, and restores the primary', async () => {
    stack = await startStack();
    const { records } = await runCollectorOnce(collector, options(stack), { drillsAllowed: true });
    const r = records[0]!;
    expect(codes(r)).toEqual([]);
    expect(r.status).toBe('pass');
    expect(r.data).toMatchObject({ source: 'drill', drillOutcome: 'recovered', errorsDuring: 1, primaryBack: true, restore: { ok: true } });
    const data = r.data as { recoverySeconds: number; secondsToFirstError: number; latency: Record<string, { probes: number }> };
    expect(data.recoverySeconds).toBeGreaterThanOrEqual(data.secondsToFirstError);
    expect(data.latency.before!.probes).toBe(3);
    expect(data.latency.after!.probes).toBe(3);
    expect(stack.calls).toEqual(['POST /fail/primary', 'POST /restore/primary']);
    expect(stack.state.primaryUp).toBe(true);
  });

  it('fails a drill whose recovery exceeds the RTO', async () => {
    stack = await startStack();
    const { records } = await runCollectorOnce(collector, options(stack, { rtoSeconds: 0 }), { drillsAllowed: true });
    expect(records[0]!.status).toBe('fail');
    expect(codes(records[0]!)).toEqual(['rto-exceeded']);
    expect(stack.state.primaryUp).toBe(true);
  });

  it('fails a drill when the standby is also down, and still restores', async () => {
    stack = await startStack();
    stack.state.standbyUp = false;
    const { records } = await runCollectorOnce(collector, options(stack, { maxSeconds: 0.3 }), { drillsAllowed: true });
    const r = records[0]!;
    expect(r.status).toBe('fail');
    expect(codes(r)).toEqual(expect.arrayContaining(['target-down', 'drill-not-recovered']));
    expect(r.data).toMatchObject({ drillOutcome: 'not-recovered', recoverySeconds: null, restore: { ok: true } });
    expect(stack.calls).toEqual(['POST /fail/primary', 'POST /restore/primary']);
  });

  it('reports a trigger command (argv) that fails, and still restores', async () => {
    stack = await startStack();
    const opts = options(stack);
    Object.assign(opts.services[0]!.drill, { trigger: { command: [process.execPath, '-e', 'process.exit(3)'] } });
    const { records } = await runCollectorOnce(collector, opts, { drillsAllowed: true });
    const r = records[0]!;
    expect(r.status).toBe('fail');
    expect(codes(r)).toEqual(['drill-trigger-failed']);
    expect(r.data).toMatchObject({ drillOutcome: 'trigger-failed', trigger: { ok: false, detail: `${process.execPath} exited 3` } });
    expect(stack.calls).toEqual(['POST /restore/primary']);
  });

  it('reports a restore that fails, and still writes the record', async () => {
    stack = await startStack();
    stack.state.failRestore = true;
    const { records } = await runCollectorOnce(collector, options(stack), { drillsAllowed: true });
    const r = records[0]!;
    expect(r.status).toBe('fail');
    expect(codes(r)).toEqual(['restore-failed']);
    expect(r.data).toMatchObject({ drillOutcome: 'recovered', restore: { ok: false } });
  });

  it('does not start a drill when the front door is already unhealthy', async () => {
    stack = await startStack();
    stack.state.primaryUp = false;
    stack.state.standbyUp = false;
    const { records } = await runCollectorOnce(collector, options(stack), { drillsAllowed: true });
    expect(codes(records[0]!)).toContain('drill-aborted-unhealthy');
    expect(stack.calls).toEqual([]);
  });

  it('restores when the run is aborted during a drill', async () => {
    stack = await startStack();
    stack.state.standbyUp = false;
    const controller = new AbortController();
    void stack.triggered.then(() => controller.abort(new Error('SIGTERM')));
    const { records } = await runCollectorOnce(collector, options(stack, { maxSeconds: 60 }), { drillsAllowed: true, signal: controller.signal });
    expect(records[0]!.status).toBe('error');
    await stack.restored;
    expect(stack.calls).toEqual(['POST /fail/primary', 'POST /restore/primary']);
  });
});

describe('failover: TLS', () => {
  let dir: string;
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('probes and drills https endpoints with a self-signed certificate trusted through tls.caFile', async () => {
    dir = await mkdtemp(join(tmpdir(), 'failover-tls-'));
    stack = await startStack(await loopbackCertificate('127.0.0.1', join(dir, 'key.pem'), join(dir, 'cert.pem')));
    const untrusted = await runCollectorOnce(collector, options(stack, { drill: false }));
    expect(codes(untrusted.records[0]!)).toEqual(expect.arrayContaining(['error-rate-exceeded', 'target-down']));
    const { records } = await runCollectorOnce(collector, { ...options(stack), tls: { caFile: 'cert.pem' } }, { configDir: dir, drillsAllowed: true });
    expect(records[0]!.status).toBe('pass');
    expect(records[0]!.data).toMatchObject({ drillOutcome: 'recovered', primaryBack: true });
  });
});
