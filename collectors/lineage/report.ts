import { amount, arr, obj, str } from '../../src/audit/report/fields.js';
import { html, raw } from '../../src/audit/report/html.js';
import type { ReportPlugin } from '../../src/audit/report/plugin.js';
import { cut } from '../../src/audit/svg/bar-chart.js';
import { escapeXml, OKABE_ITO } from '../../src/audit/svg/index.js';
import { attrs, svgRoot, text } from '../../src/audit/svg/xml.js';
import type { EvidenceRecord } from '../../src/record/types.js';

/** Inputs drawn per model and models per graph; the text says how many more there are. */
const INPUTS_DRAWN = 6;
const MODELS_DRAWN = 20;

interface ModelLineage {
  name: string;
  lineage: boolean;
  inputs: string[];
  inputsTotal: number;
}

interface GraphState {
  observedAt: string;
  summary: string;
  models: ModelLineage[];
  modelsTotal: number;
  expiredPresent: number;
}

const ROW = 22;
const BOX_W = 300;
const MODEL_X = 420;

/** Datasets on the left, each deployed model on the right, an arrow from each input; a model with no lineage is marked. */
function diagram(graph: string, models: readonly ModelLineage[]): string {
  const parts: string[] = [];
  let y = 8;
  for (const m of models) {
    const rows = Math.max(1, m.inputs.length + (m.inputsTotal > m.inputs.length ? 1 : 0));
    const modelY = y + ((rows - 1) * ROW) / 2;
    m.inputs.forEach((input, i) => {
      const iy = y + i * ROW;
      parts.push(
        `<g class="input"><title>${escapeXml(input)}</title>` +
          `<rect${attrs({ x: 8, y: iy, width: BOX_W, height: ROW - 4, fill: '#ffffff', stroke: OKABE_ITO.blue })}/>` +
          text(14, iy + 13, cut(input, BOX_W - 12)) +
          `<line${attrs({ x1: 8 + BOX_W, y1: iy + (ROW - 4) / 2, x2: MODEL_X - 4, y2: modelY + (ROW - 4) / 2, stroke: '#555555', 'stroke-width': 1 })}/></g>`,
      );
    });
    if (m.inputsTotal > m.inputs.length) parts.push(text(14, y + m.inputs.length * ROW + 13, `… ${m.inputsTotal - m.inputs.length} more inputs`));
    const fill = m.lineage ? OKABE_ITO.bluishGreen : OKABE_ITO.vermillion;
    parts.push(
      `<rect${attrs({ x: MODEL_X, y: modelY, width: BOX_W, height: ROW - 4, fill, 'fill-opacity': 0.2, stroke: fill, 'stroke-width': m.lineage ? 1 : 2 })}/>` +
        text(MODEL_X + 6, modelY + 13, cut(`${m.name}${m.lineage ? '' : ' — no lineage'}`, BOX_W - 12), { 'font-weight': 600 }),
    );
    y += rows * ROW + 10;
  }
  const said = models.map((m) => `${m.name}: ${m.lineage ? `${m.inputsTotal} inputs` : 'no lineage'}`).join('; ');
  return svgRoot(MODEL_X + BOX_W + 8, y, `${graph}: datasets to deployed models (${said || 'no deployed model'})`, parts.join(''));
}

/** Per lineage graph: its newest record's datasets-to-model diagram, and retention problems. */
export const lineageReport: ReportPlugin = {
  type: 'lineage',
  title: 'Data lineage',
  create() {
    const graphs = new Map<string, GraphState>();
    return {
      add(record: EvidenceRecord) {
        const before = graphs.get(record.subject.id);
        if (before && before.observedAt > record.observedAt) return;
        const deployed = arr(record.data.deployedModels);
        const models = deployed.slice(0, MODELS_DRAWN).map((v) => {
          const inputs = arr(obj(v)?.inputs).flatMap((i) => (typeof i === 'string' ? [i] : []));
          return { name: str(obj(v)?.name) ?? '?', lineage: obj(v)?.lineage === true, inputs: inputs.slice(0, INPUTS_DRAWN), inputsTotal: inputs.length };
        });
        const expiredPresent = arr(record.data.retention).reduce<number>((n, r) => n + (amount(obj(r)?.expiredPresent) ?? 0), 0);
        graphs.set(record.subject.id, { observedAt: record.observedAt, summary: record.summary, models, modelsTotal: deployed.length, expiredPresent });
      },
      render() {
        if (graphs.size === 0) return null;
        return html`${[...graphs.keys()].sort().map((name) => {
          const g = graphs.get(name)!;
          return html`<h3>${name}</h3><p>Newest record ${g.observedAt}: ${g.summary}${g.expiredPresent > 0 ? html` <span class="warn">${g.expiredPresent} objects past retention still stored.</span>` : ''}${g.modelsTotal > g.models.length ? ` The diagram shows ${g.models.length} of ${g.modelsTotal} deployed models.` : ''}</p>${raw(diagram(name, g.models))}`;
        })}`;
      },
    };
  },
};
