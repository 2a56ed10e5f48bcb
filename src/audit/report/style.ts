/** The report's only styles, inline: system fonts (nothing fetched), print-friendly, wide tables scroll. */
export const PAGE_STYLE = `
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; font-size: 14px; color: #1a1a1a; margin: 0 auto; max-width: 1180px; padding: 16px 24px; line-height: 1.4; }
h1 { font-size: 24px; margin: 8px 0; } h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid #ccc; padding-bottom: 4px; } h3 { font-size: 15px; margin: 14px 0 6px; }
code, pre { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: break-word; }
pre { background: #f4f4f4; padding: 8px; white-space: pre-wrap; }
table { border-collapse: collapse; margin: 6px 0; display: block; overflow-x: auto; max-width: 100%; }
th, td { border: 1px solid #d0d0d0; padding: 3px 6px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: #f0f0f0; } td.num { text-align: right; white-space: nowrap; }
dl.facts, dl.defs { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; } dt { font-weight: 600; } dd { margin: 0; }
.warn { color: #a33c00; font-weight: 600; }
.sev { font-weight: 700; text-transform: uppercase; font-size: 11px; } .sev-critical, .sev-high { color: #a33c00; } .sev-medium { color: #7a5a00; }
.state-gap { color: #a33c00; font-weight: 600; } .state-attempted { color: #7a5a00; } .state-explained { color: #1f5f8a; }
svg { display: block; max-width: 100%; height: auto; margin: 4px 0; }
@media print { h2 { break-after: avoid; } section.control, section.family { break-inside: avoid-page; } }
`;
