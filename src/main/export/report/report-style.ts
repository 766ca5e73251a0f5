// The report's only style sheet, inline: plain on screen, A4 pages in print with figures kept whole.
export const REPORT_CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933; max-width: 980px; margin: 24px auto; padding: 0 20px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #cbd2d9; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
.dim { color: #616e7c; }
table { border-collapse: collapse; margin: 6px 0 10px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #cbd2d9; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f5f7fa; font-weight: 600; }
td.number { text-align: right; }
.limits { border-left: 4px solid #c2410c; background: #fff7ed; padding: 8px 14px; }
.limits li { margin: 3px 0; }
.figures { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
figure { margin: 0; break-inside: avoid; }
figcaption { font-size: 12px; color: #616e7c; max-width: 340px; }
svg.chart { display: block; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 14px; }
.gallery figure { border: 1px solid #cbd2d9; padding: 6px; }
.gallery img { width: 100%; height: auto; display: block; }
.gallery figcaption { max-width: none; color: #1f2933; }
.notice { background: #f5f7fa; border: 1px solid #cbd2d9; padding: 6px 10px; }
footer { margin-top: 32px; border-top: 1px solid #cbd2d9; padding-top: 8px; font-size: 12px; color: #616e7c; }
@page { size: A4; margin: 14mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2 { break-after: avoid; }
  section, table, .limits { break-inside: avoid; }
  section.gallery-section { break-before: page; }
  .gallery { grid-template-columns: repeat(3, 1fr); }
}
`;
