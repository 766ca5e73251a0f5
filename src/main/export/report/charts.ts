// The report's figures as inline SVG strings: the ROC curve with the operating point, the reliability
// diagram and the confusion matrix. Same geometry as the app's Evaluate view (shared/chart-scale.ts),
// drawn without a framework so that the file needs no script.
import { linearScale, niceTicks } from '../../../shared/chart-scale';
import type { CalibrationBin, Evaluation } from '../../../shared/ml';
import { escapeHtml } from './escape';

const WIDTH = 340;
const HEIGHT = 300;
const MARGIN = { left: 48, right: 14, top: 12, bottom: 44 };
const INK = '#1f2933';
const ACCENT = '#1d6fb8';
const MARK = '#c2410c';

const at = (value: number) => Number(value.toFixed(2));
const percent = (value: number) => `${Math.round(value * 100)}%`;

interface Plot {
  x: (v: number) => number;
  y: (v: number) => number;
}

/** A unit square plot: axes with ticks at 0, 0.2, …, 1, their titles and the dashed diagonal of chance or of perfect calibration. */
function unitAxes(xTitle: string, yTitle: string): { plot: Plot; frame: string } {
  const x = linearScale([0, 1], [MARGIN.left, WIDTH - MARGIN.right]);
  const y = linearScale([0, 1], [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const ticks = niceTicks([0, 1], 5);
  const grid = ticks
    .map(
      (t) =>
        `<line x1="${at(x(t))}" y1="${at(y(0))}" x2="${at(x(t))}" y2="${at(y(1))}" stroke="#e4e7eb"/>` +
        `<line x1="${at(x(0))}" y1="${at(y(t))}" x2="${at(x(1))}" y2="${at(y(t))}" stroke="#e4e7eb"/>` +
        `<text x="${at(x(t))}" y="${at(y(0) + 16)}" text-anchor="middle">${t}</text>` +
        `<text x="${at(x(0) - 6)}" y="${at(y(t) + 4)}" text-anchor="end">${t}</text>`,
    )
    .join('');
  const frame =
    grid +
    `<rect x="${at(x(0))}" y="${at(y(1))}" width="${at(x(1) - x(0))}" height="${at(y(0) - y(1))}" fill="none" stroke="${INK}"/>` +
    `<line x1="${at(x(0))}" y1="${at(y(0))}" x2="${at(x(1))}" y2="${at(y(1))}" stroke="#9aa5b1" stroke-dasharray="4 4"/>` +
    `<text x="${at((x(0) + x(1)) / 2)}" y="${HEIGHT - 8}" text-anchor="middle">${escapeHtml(xTitle)}</text>` +
    `<text transform="translate(14 ${at((y(0) + y(1)) / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(yTitle)}</text>`;
  return { plot: { x, y }, frame };
}

function svg(kind: string, label: string, body: string, width = WIDTH, height = HEIGHT): string {
  return (
    `<svg class="chart" data-chart="${kind}" role="img" aria-label="${escapeHtml(label)}"` +
    ` viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" font-size="11" fill="${INK}">` +
    `<title>${escapeHtml(label)}</title>${body}</svg>`
  );
}

type Referable = NonNullable<Evaluation['referable']>;

/** The ROC curve of referable DR, with the model's operating point (its referral threshold) marked. */
export function rocChart(referable: Referable): string {
  const { plot, frame } = unitAxes('1 − specificity (false-positive rate)', 'Sensitivity');
  const points = [...referable.curve].sort((a, b) => 1 - a.specificity - (1 - b.specificity) || a.sensitivity - b.sensitivity);
  const line = points.map((p) => `${at(plot.x(1 - p.specificity))},${at(plot.y(p.sensitivity))}`).join(' ');
  let marker = '';
  if (referable.sensitivity !== null && referable.specificity !== null) {
    const [mx, my] = [plot.x(1 - referable.specificity), plot.y(referable.sensitivity)];
    marker =
      `<circle data-point="operating" cx="${at(mx)}" cy="${at(my)}" r="5" fill="${MARK}" stroke="white"/>` +
      `<text x="${at(Math.min(mx + 8, WIDTH - 120))}" y="${at(Math.min(my + 16, HEIGHT - MARGIN.bottom - 4))}" fill="${MARK}">threshold ${referable.threshold.toFixed(2)}</text>`;
  }
  const label =
    `ROC curve of referable DR: AUC ${referable.auc === null ? 'undefined' : referable.auc.toFixed(3)}; ` +
    `operating point at threshold ${referable.threshold.toFixed(2)}` +
    (referable.sensitivity !== null && referable.specificity !== null ? `, sensitivity ${percent(referable.sensitivity)}, specificity ${percent(referable.specificity)}` : '');
  return svg('roc', label, `${frame}<polyline points="${line}" fill="none" stroke="${ACCENT}" stroke-width="2"/>${marker}`);
}

/** The reliability diagram: accuracy against mean confidence per bin, circle area growing with the bin's images. */
export function reliabilityChart(calibration: { ece: number; bins: CalibrationBin[] }): string {
  const { plot, frame } = unitAxes('Mean confidence', 'Accuracy');
  const filled = calibration.bins.filter((b) => b.count > 0 && b.meanConfidence !== null && b.accuracy !== null);
  const line = filled.map((b) => `${at(plot.x(b.meanConfidence!))},${at(plot.y(b.accuracy!))}`).join(' ');
  const dots = filled
    .map((b) => `<circle data-bin="${b.lower}" cx="${at(plot.x(b.meanConfidence!))}" cy="${at(plot.y(b.accuracy!))}" r="${at(2 + Math.min(6, Math.sqrt(b.count) / 2))}" fill="${ACCENT}" fill-opacity="0.7"/>`)
    .join('');
  const label = `Reliability diagram: accuracy against mean confidence in ${filled.length} non-empty bins; expected calibration error ${calibration.ece.toFixed(3)}`;
  return svg('calibration', label, `${frame}<polyline points="${line}" fill="none" stroke="${ACCENT}" stroke-width="1.5"/>${dots}`);
}

/** The confusion matrix as a shaded grid: rows the reference label, columns the model's, shade the share of the row. */
export function confusionChart(matrix: number[][], classes: string[]): string {
  const cell = 46;
  const left = 120;
  const top = 100;
  const n = matrix.length;
  // Column names are slanted so that long ones do not run into each other; they reach up and to the right.
  const width = left + n * cell + 90;
  const height = top + n * cell + 10;
  const name = (k: number) => escapeHtml(shorten(classes[k] ?? `class ${k}`));
  const header =
    `<text x="${left}" y="14" font-weight="bold">Model's prediction →</text>` +
    matrix.map((_, c) => `<text transform="translate(${left + c * cell + cell / 2 - 4} ${top - 8}) rotate(-40)">${name(c)}</text>`).join('') +
    `<text x="4" y="${top - 8}" font-weight="bold">Reference ↓</text>`;
  const rows = matrix
    .map((row, r) => {
      const total = row.reduce((a, b) => a + b, 0);
      const cells = row
        .map((count, c) => {
          const share = total > 0 ? count / total : 0;
          const opacity = count === 0 ? 0 : 0.12 + 0.68 * share;
          const x = left + c * cell;
          const y = top + r * cell;
          return (
            `<rect data-row="${r}" data-column="${c}" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${ACCENT}" fill-opacity="${at(opacity)}" ` +
            `stroke="${r === c ? '#15803d' : '#cbd2d9'}" stroke-width="${r === c ? 2 : 1}"/>` +
            `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="13">${count}</text>`
          );
        })
        .join('');
      return `<text x="${left - 8}" y="${top + r * cell + cell / 2 + 4}" text-anchor="end">${name(r)}</text>${cells}`;
    })
    .join('');
  const label = `Confusion matrix of ${matrix.flat().reduce((a, b) => a + b, 0)} images: rows the reference label, columns the model's prediction`;
  return svg('confusion', label, header + rows, width, height);
}

/** A class name short enough for an axis; the tables beside the chart give it in full. */
const shorten = (text: string) => (text.length > 16 ? `${text.slice(0, 15)}…` : text);
