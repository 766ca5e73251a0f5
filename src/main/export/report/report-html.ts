// The evaluation report as one self-contained HTML file: inline style and SVG, pictures as data: URLs,
// no script, and a content security policy that forbids every request but data: images.
import { headlineFigures, type Evaluation, type HeadlineMetric, type Interval } from '../../../shared/ml';
import { confusionChart, reliabilityChart, rocChart } from './charts';
import { escapeHtml as e } from './escape';
import type { EvaluationReportData, ModelCard } from './report-data';
import { agreementSection, gallerySection } from './report-sections';
import { REPORT_CSS } from './report-style';

/** What the report's page may load: nothing but its own data: pictures and inline style. */
export const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

/** Below this many images (or patients) the report says its figures are indicative only. */
const SMALL = 30;

export function evaluationReportHtml(data: EvaluationReportData): string {
  const { card, evaluation } = data;
  const title = `Evaluation of ${card.modelName} (${card.projectName})`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${e(title)}</h1>
<p class="dim">Model ${card.modelId} · ${e(taskWords(card.taskKind))} · Gradedesk ${e(data.appVersion)} · report made ${e(data.createdAt)}</p>
</header>
${headlineSection(data)}
${limitsSection(data)}
${modelCardSection(card)}
${perClassSection(evaluation)}
${figuresSection(evaluation)}
${agreementSection(data.agreement)}
${gallerySection(data.gallery)}
<footer>
<p>Made by Gradedesk ${e(data.appVersion)} on ${e(data.createdAt)}. This file is self-contained: it loads nothing from a network or another file, and runs no script.</p>
${data.deidentified ? DEIDENTIFIED_NOTE : ''}
<p>To keep it as a PDF, open it in Chromium, Chrome or Edge and print it (Ctrl+P or ⌘P, then “Save as PDF”): pages break between sections. The desktop app can also print it to PDF itself; the command line and browser mode write the HTML only.</p>
</footer>
</body>
</html>
`;
}

const taskWords = (kind: ModelCard['taskKind']) =>
  kind === 'dr-grade' ? 'diabetic retinopathy grading' : kind === 'multiclass' ? 'one class per image' : 'several labels per image';

const METRIC_WORDS: Record<HeadlineMetric, string> = {
  qwk: 'Quadratic weighted κ (agreement with the reference grade)',
  accuracy: 'Accuracy',
  balancedAccuracy: 'Balanced accuracy (mean sensitivity over the classes)',
  macroF1: 'Macro F1',
  referableAuc: 'AUC for referable DR (grade ≥ 2)',
  sensitivity: 'Sensitivity for referable DR at the referral threshold',
  specificity: 'Specificity for referable DR at the referral threshold',
  ece: 'Expected calibration error (lower is better)',
};

const figure = (value: number | null, digits = 3) => (value === null ? '—' : value.toFixed(digits));
const interval = (range: Interval | null | undefined) => (range ? `${range.low.toFixed(3)} – ${range.high.toFixed(3)}` : 'none');
/** A figure's raw value for readers of the file (and its tests): the exact number the app computed. */
const raw = (name: string, value: number | null, range?: Interval | null) =>
  `data-metric="${name}" data-value="${value ?? ''}"${range ? ` data-low="${range.low}" data-high="${range.high}"` : ''}`;

function headlineSection({ evaluation, measuredOn, card }: EvaluationReportData): string {
  const values = headlineFigures(evaluation);
  const rows = (Object.keys(METRIC_WORDS) as HeadlineMetric[])
    .filter((name) => values[name] !== null)
    .map((name) => {
      const range = evaluation.intervals?.[name];
      return `<tr ${raw(name, values[name], range)}><th scope="row">${METRIC_WORDS[name]}</th><td class="number">${figure(values[name])}</td><td class="number">${interval(range)}</td></tr>`;
    })
    .join('\n');
  const basis = evaluation.basis === 'out-of-fold'
    ? `out of fold: every image was predicted by the one of the ${card.validation.kind === 'k-fold' ? `${card.validation.folds} fold models` : 'fold models'} that had not trained on its patient`
    : 'held out: the images of patients kept out of training';
  const referable = evaluation.referable
    ? `<p>Referable DR: ${evaluation.referable.positives} referable and ${evaluation.referable.negatives} non-referable images; an eye is referred when P(grade ≥ 2) ≥ <strong data-threshold="${evaluation.referable.threshold}">${evaluation.referable.threshold.toFixed(2)}</strong>` +
      `${card.defaultThreshold ? ' (the default: no referral threshold was saved for this model)' : ' (the referral threshold saved for this model)'}.</p>`
    : '';
  return `<section id="metrics">
<h2>Figures on images the model did not train on</h2>
<p>Measured <span data-basis="${evaluation.basis}">${basis}</span>, on <strong data-samples="${evaluation.samples}">${evaluation.samples}</strong> images of <strong data-patients="${evaluation.groups}">${evaluation.groups}</strong> patients.
95% intervals come from resampling patients with replacement (all images of a drawn patient together); “none” means the figure was undefined in too many resamples.</p>
<table class="headline"><thead><tr><th scope="col">Figure</th><th scope="col">Value</th><th scope="col">95% interval</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${referable}
${measuredOn.patients < SMALL || evaluation.samples < SMALL ? `<p class="notice">Fewer than ${SMALL} images or patients: these figures are indicative only, as their intervals show.</p>` : ''}
</section>`;
}

function limitsSection({ measuredOn, card }: EvaluationReportData): string {
  const folders = measuredOn.folders.length
    ? measuredOn.folders.map((f) => `<li><code>${e(f.folder)}</code> (${f.images} images)</li>`).join('')
    : '<li>no readable source folder</li>';
  return `<section id="limits" class="limits">
<h2>What these figures do and do not say</h2>
<ul>
<li>They were measured on ${measuredOn.images} images of ${measuredOn.patients} patients of the project “${e(card.projectName)}”, from these folders:<ul>${folders}</ul></li>
<li>The reference is each image’s label in this project (imported or graded here), not an adjudicated ground truth; errors in it count against the model.</li>
<li>The model was not tested on other cameras or imaging protocols, on other populations (age, ethnicity, other eye disease), nor at another prevalence of disease: the share of referred eyes that truly need referral changes with prevalence.</li>
<li>Out-of-fold figures from one site overstate how the model does elsewhere: the folds share the site’s camera, graders and patients. Expect lower figures on another site’s images, and measure them there before relying on the model.</li>
<li>The intervals show the uncertainty of sampling these patients only, not the differences between sites.</li>
</ul>
</section>`;
}

function modelCardSection(card: ModelCard): string {
  const validation = card.validation.kind === 'k-fold'
    ? `${card.validation.folds}-fold cross-validation, folds grouped by patient`
    : `hold-out of ${Math.round(card.validation.fraction * 100)}% of patients`;
  const rows: Array<[string, string]> = [
    ['Model', `${e(card.modelName)} (id ${card.modelId})${card.members ? `, an ensemble of models ${card.members.join(', ')}` : ''}`],
    ['Backbone', `${e(card.backbone.name)} <span class="dim">(${e(card.backbone.id)})</span>${card.backbone.note ? `<br><span class="dim">${e(card.backbone.note)}</span>` : ''}`],
    ['Input and preprocessing', `${card.inputSize} × ${card.inputSize} pixels; ${e(card.preprocessing)}`],
    ['Training', `${e(card.strategy)}, ${e(card.head)} head, ${card.epochs} epochs at most, seed ${card.seed}`],
    ['Validation', validation],
    ['Training set', `${card.trainingImages} labelled images of ${card.trainingPatients} patients`],
    ['Trained', e(card.trainedAt)],
    ['Referral threshold', `${card.referralThreshold.toFixed(2)}${card.defaultThreshold ? ' (default)' : ''}`],
  ];
  const byClass = card.byClass
    .map((c) => `<tr data-class="${e(c.name)}"><th scope="row">${e(c.name)}</th><td class="number" data-images="${c.images}">${c.images}</td><td class="number" data-patients="${c.patients}">${c.patients}</td></tr>`)
    .join('\n');
  return `<section id="model-card">
<h2>Model card</h2>
<table><tbody>
${rows.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join('\n')}
</tbody></table>
<h3>Training set by ${card.taskKind === 'dr-grade' ? 'grade' : 'class'}</h3>
<table class="training-counts"><thead><tr><th scope="col">${card.taskKind === 'dr-grade' ? 'Grade' : 'Class'}</th><th scope="col">Images</th><th scope="col">Patients</th></tr></thead>
<tbody>
${byClass}
</tbody></table>
${card.taskKind === 'multilabel' ? '<p class="dim">An image with several labels counts under each.</p>' : ''}
</section>`;
}

function perClassSection(evaluation: Evaluation): string {
  if (evaluation.perClass.length === 0) return '';
  const rows = evaluation.perClass
    .map((c) => `<tr><th scope="row">${e(c.name)}</th><td class="number">${c.support}</td><td class="number">${figure(c.sensitivity)}</td><td class="number">${figure(c.specificity)}</td><td class="number">${figure(c.precision)}</td>${c.f1 === undefined ? '' : `<td class="number">${figure(c.f1)}</td>`}</tr>`)
    .join('\n');
  const hasF1 = evaluation.perClass.some((c) => c.f1 !== undefined);
  return `<section id="per-class">
<h3>Per class (one class against the rest)</h3>
<table><thead><tr><th scope="col">Class</th><th scope="col">Images</th><th scope="col">Sensitivity</th><th scope="col">Specificity</th><th scope="col">Precision</th>${hasF1 ? '<th scope="col">F1</th>' : ''}</tr></thead>
<tbody>
${rows}
</tbody></table>
</section>`;
}

function figuresSection(evaluation: Evaluation): string {
  const parts: string[] = [];
  if (evaluation.confusion) {
    parts.push(`<figure>${confusionChart(evaluation.confusion, evaluation.classes)}<figcaption>Confusion matrix: rows are the reference label, columns the model’s prediction; shading is the share of the row, the diagonal (outlined) is agreement.</figcaption></figure>`);
  }
  if (evaluation.referable && evaluation.referable.curve.length > 0) {
    const r = evaluation.referable;
    parts.push(`<figure>${rocChart(r)}<figcaption>ROC curve for referable DR (AUC ${figure(r.auc)}). The dot is the operating point at the referral threshold ${r.threshold.toFixed(2)}: sensitivity ${figure(r.sensitivity)}, specificity ${figure(r.specificity)}. Dashed: chance.</figcaption></figure>`);
  } else if (evaluation.referable) {
    parts.push('<p class="notice">No ROC curve: the evaluated images are all referable or all not.</p>');
  }
  if (evaluation.calibration) {
    parts.push(`<figure>${reliabilityChart(evaluation.calibration)}<figcaption>Reliability diagram: for each band of confidence, how often the model was right. Dashed: perfect calibration; circles grow with the band’s images. Expected calibration error ${figure(evaluation.calibration.ece)}.</figcaption></figure>`);
  }
  if (parts.length === 0) return '';
  return `<section id="figures">
<h2>Confusion, ROC and calibration</h2>
<div class="figures">
${parts.join('\n')}
</div>
</section>`;
}

const DEIDENTIFIED_NOTE = '<p data-deidentified>De-identified: image files are named by keyed pseudonyms (I-…), graders by theirs (R-…, the same as in this data folder’s other de-identified exports), and the source folders are removed. The pictures are the photographs themselves: text burned into them by a camera is not removed.</p>';
