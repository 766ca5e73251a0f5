// The report's agreement table and its gallery of the largest errors.
import type { AgreementFigures } from '../../../shared/agreement';
import type { Interval } from '../../../shared/ml';
import { escapeHtml as e } from './escape';
import type { ErrorGallery, EvaluationReportData } from './report-data';

const withInterval = (value: number | null, range: Interval | null | undefined) =>
  value === null ? '—' : `${value.toFixed(2)}${range ? ` <span class="dim">(${range.low.toFixed(2)}–${range.high.toFixed(2)})</span>` : ''}`;

const figureCells = (f: AgreementFigures) =>
  `<td class="number">${f.n}</td><td class="number">${withInterval(f.kappa, f.intervals.kappa)}</td>` +
  `<td class="number">${withInterval(f.quadraticKappa, f.intervals.quadraticKappa)}</td>` +
  `<td class="number">${withInterval(f.percentAgreement, f.intervals.percentAgreement)}</td>`;

const FIGURE_HEADS = '<th scope="col">Images</th><th scope="col">κ</th><th scope="col">Quadratic κ</th><th scope="col">Agreement</th>';

export function agreementSection(agreement: EvaluationReportData['agreement']): string {
  const heading = '<h2>Agreement with graders</h2>';
  if ('unavailable' in agreement) return `<section id="agreement">${heading}<p class="notice">${e(agreement.unavailable)}</p></section>`;
  const { summary, activeModelName } = agreement;
  if (summary.readers.length < 2) {
    const who = summary.readers.length === 0 ? 'No reader has graded' : `Only one reader (${e(summary.readers[0]!)}) has graded`;
    return `<section id="agreement">${heading}<p class="notice">${who} images of this project, so there is no agreement between graders to report.</p></section>`;
  }
  const pairs = summary.pairs
    .map((p) => `<tr data-pair><th scope="row">${e(p.readers[0])} · ${e(p.readers[1])}</th>${figureCells(p)}</tr>`)
    .join('\n');
  const reference = summary.againstReference
    .map((r) => `<tr data-grader-kind="${r.kind}"><th scope="row">${e(r.grader)}${r.kind === 'model' ? ' <span class="dim">(model)</span>' : ''}</th>${figureCells(r)}` +
      `<td class="number">${withInterval(r.sensitivity, r.intervals.sensitivity)}</td><td class="number">${withInterval(r.specificity, r.intervals.specificity)}</td></tr>`)
    .join('\n');
  const fleiss = summary.fleiss
    ? `<p>Fleiss’ κ over the ${summary.fleiss.n} images all ${summary.fleiss.readers.length} readers graded: ${withInterval(summary.fleiss.kappa, summary.fleiss.interval)}.</p>`
    : '';
  return `<section id="agreement">
${heading}
<p>${summary.readers.length} readers: ${summary.readers.map(e).join(', ')}. 95% intervals in brackets.</p>
<h3>Between readers</h3>
<table class="agreement-pairs"><thead><tr><th scope="col">Readers</th>${FIGURE_HEADS}</tr></thead><tbody>
${pairs || '<tr><td colspan="5">No two readers graded an image in common.</td></tr>'}
</tbody></table>
${fleiss}
<h3>Against the reference label</h3>
<table class="agreement-reference"><thead><tr><th scope="col">Grader</th>${FIGURE_HEADS}<th scope="col">Sensitivity (referable)</th><th scope="col">Specificity (referable)</th></tr></thead><tbody>
${reference}
</tbody></table>
${activeModelName ? `<p class="dim">The model row is the project’s active model, ${e(activeModelName)}, which may not be the model of this report.</p>` : ''}
<ul class="dim">${summary.notes.map((note) => `<li>${e(note)}</li>`).join('')}</ul>
</section>`;
}

export function gallerySection(gallery: ErrorGallery): string {
  const heading = '<h2>The largest errors</h2>';
  if (gallery.errors === 0) return `<section id="errors" class="gallery-section">${heading}<p>The model made no error on the evaluated images.</p></section>`;
  const cams = gallery.gradCamUnavailable
    ? `<p class="notice" data-gradcam="unavailable">Grad-CAM is unavailable for this report: ${e(gallery.gradCamUnavailable)} The photographs are shown without heat maps.</p>`
    : '<p class="dim" data-gradcam="shown">Each picture is the model’s input with its Grad-CAM heat map: warmer regions raised the score of the class named under it. A heat map shows where the model looked, not that a lesion is there; it comes from the finished model (every fold’s head), not only the fold that held the image out.</p>';
  const cases = gallery.cases
    .map((c) => {
      const picture = c.overlay ?? c.photo;
      const img = picture ? `<img src="${picture}" alt="${e(c.overlay ? `Grad-CAM of ${c.fileName}` : c.fileName)}">` : '<p class="notice">The photograph could not be read.</p>';
      return `<figure data-image-id="${c.imageId}">${img}<figcaption><strong>${e(c.fileName)}</strong><br>` +
        `Reference: ${e(c.label)} · model: ${e(c.predicted)}${c.confidence === null ? '' : ` (${Math.round(c.confidence * 100)}%)`}` +
        `${c.explains ? `<br><span class="dim">Heat map of: ${e(c.explains)}</span>` : ''}</figcaption></figure>`;
    })
    .join('\n');
  return `<section id="errors" class="gallery-section">
${heading}
<p>${gallery.cases.length} of the ${gallery.errors} misclassified images, the furthest from the reference first (then the most confident).</p>
${cams}
<div class="gallery">
${cases}
</div>
</section>`;
}
