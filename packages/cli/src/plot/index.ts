// Charts as SVG strings (Vega-Lite rendered headlessly, and a hand-drawn 3-D surface), PNG
// rasterisation, and a self-contained HTML report.

export { lineChart, type AxisSpec, type LineChartOptions, type Series } from './line.js';
export { scatter, type ScatterOptions } from './scatter.js';
export { barChart, type Bar, type BarChartOptions } from './bar.js';
export { heatmap, type HeatmapOptions, type MarkedPoint } from './heatmap.js';
export {
  surface3d,
  niceTicks,
  tickLabel,
  type Surface3dOptions,
  type SurfaceLayer,
} from './surface3d.js';
export { svgToPng, PNG_SIGNATURE, type PngOptions } from './png.js';
export { figureFiles, type FigureOptions } from './figures.js';
export {
  htmlReport,
  type HtmlReportOptions,
  type ReportSection,
  type ReportTable,
} from './html.js';
export { renderVegaLite, colorScheme, escapeXml } from './vega.js';
