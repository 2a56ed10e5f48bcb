import { amount, Capped, obj, str } from '../../src/audit/report/fields.js';
import { html, raw } from '../../src/audit/report/html.js';
import type { ReportPlugin } from '../../src/audit/report/plugin.js';
import { durationChart, formatDuration } from '../../src/audit/svg/index.js';
import type { EvidenceRecord } from '../../src/record/types.js';

/** Drills charted per service: the first ones of the window; the counts cover them all. */
const CHARTED = 40;

interface ServiceDrills {
  rtoSeconds: number | undefined;
  drills: Capped<{ label: string; seconds: number | null; detail: string }>;
  over: number;
  unrecovered: number;
}

/** Per service: each failover drill (run here or imported) with its recovery time against the recovery time objective. */
export const failoverReport: ReportPlugin = {
  type: 'failover',
  title: 'Failover drills',
  create() {
    const services = new Map<string, ServiceDrills>();
    return {
      add(record: EvidenceRecord) {
        const outcome = str(record.data.drillOutcome);
        // Probes and drills that were not allowed to run time nothing.
        if (outcome === undefined || outcome === 'not-allowed') return;
        const s: ServiceDrills = services.get(record.subject.id) ?? { rtoSeconds: undefined, drills: new Capped(CHARTED), over: 0, unrecovered: 0 };
        services.set(record.subject.id, s);
        const rto = amount(obj(record.data.slo)?.rtoSeconds);
        if (rto !== undefined) s.rtoSeconds = rto;
        const seconds = amount(record.data.recoverySeconds) ?? null;
        if (seconds === null) s.unrecovered++;
        else if (rto !== undefined && seconds > rto) s.over++;
        const at = str(record.data.startedAt) ?? record.observedAt;
        s.drills.push({ label: `${at.slice(0, 16).replace('T', ' ')} ${str(record.data.source) ?? ''}`.trim(), seconds, detail: outcome });
      },
      render() {
        if (services.size === 0) return null;
        return html`${[...services.keys()].sort().map((name) => {
          const s = services.get(name)!;
          const chart = durationChart(s.drills.items, {
            title: `${name}: recovery time per drill`,
            ...(s.rtoSeconds === undefined ? {} : { objectiveSeconds: s.rtoSeconds, objectiveLabel: 'RTO' }),
          });
          return html`<h3>${name}</h3><p>${s.drills.total} drills in the window${s.rtoSeconds === undefined ? '' : html` against a recovery time objective of ${formatDuration(s.rtoSeconds)}`}: ${s.over} over it, ${s.unrecovered} did not recover.${s.drills.omitted > 0 ? html` The chart shows the first ${s.drills.items.length}.` : ''}</p>${raw(chart)}`;
        })}`;
      },
    };
  },
};
