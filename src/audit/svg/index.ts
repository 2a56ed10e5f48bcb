/** Inline SVG charts for the audit report: pure functions from plain data to SVG strings, no chart library. */
export { type BarChartOptions, type BarRow, barChart } from './bar-chart.js';
export { type CoverageDay, type CoverageStripOptions, coverageStrip, DAY_MARKS, type DayState } from './coverage-strip.js';
export { type DurationChartOptions, type DurationRow, durationChart, formatDuration } from './duration-chart.js';
export { type Mark, type MarkShape, OKABE_ITO } from './marks.js';
export { type PeriodStatus, STATUS_MARKS, type StatusPeriod, type StatusStripOptions, statusStrip } from './status-strip.js';
export { escapeXml } from './xml.js';
