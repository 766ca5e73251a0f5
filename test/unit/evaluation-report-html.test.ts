// The evaluation report's pure parts: which errors the gallery leads with, and the HTML written from
// hostile names in every place a user can put one.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/main/ml/evaluate/evaluation';
import { largestErrors } from '../../src/main/ml/evaluate/largest-errors';
import { rocChart } from '../../src/main/export/report/charts';
import type { EvaluationReportData } from '../../src/main/export/report/report-data';
import { evaluationReportHtml, REPORT_CSP } from '../../src/main/export/report/report-html';

const HOSTILE = '<script>alert(1)</script>"\'&';

describe('largestErrors', () => {
  const p = (imageId: number, label: number, predicted: number, confidence: number) => {
    const probabilities = [0, 0, 0, 0, 0];
    probabilities[predicted] = confidence;
    return { imageId, label, predicted, probabilities };
  };

  it('puts DR grades furthest from the reference first, then the most confident, and leaves out the right ones', () => {
    const ranked = largestErrors([p(1, 0, 1, 0.9), p(2, 0, 4, 0.5), p(3, 2, 2, 0.99), p(4, 4, 1, 0.6), p(5, 1, 0, 0.95)], { ordered: true });
    expect(ranked.map((r) => [r.item.imageId, r.distance, r.confidence])).toEqual([[2, 4, 0.5], [4, 3, 0.6], [5, 1, 0.95], [1, 1, 0.9]]);
  });

  it('counts any wrong class as one for unordered classes, and labels missed plus added for multilabel', () => {
    expect(largestErrors([p(1, 0, 4, 0.5), p(2, 0, 1, 0.7)], { ordered: false }).map((r) => r.item.imageId)).toEqual([2, 1]);
    const multilabel = largestErrors(
      [
        { imageId: 1, label: [0, 1], predicted: [0], probabilities: [0.9, 0.2, 0.1] },
        { imageId: 2, label: [2], predicted: [0, 1], probabilities: [0.8, 0.6, 0.3] },
        { imageId: 3, label: [1], predicted: [1], probabilities: [0.1, 0.9, 0.1] },
      ],
      { ordered: false },
    );
    expect(multilabel.map((r) => [r.item.imageId, r.distance])).toEqual([[2, 3], [1, 1]]);
    expect(multilabel[1]!.confidence).toBeCloseTo(0.8);
  });
});

function reportData(taskKind: 'dr-grade' | 'multilabel'): EvaluationReportData {
  const classes = taskKind === 'dr-grade' ? ['No DR', 'Mild', 'Moderate', 'Severe', HOSTILE] : ['a', HOSTILE];
  const images = Array.from({ length: 40 }, (_, i) => {
    const label = taskKind === 'dr-grade' ? i % 5 : [i % 2];
    const predicted = taskKind === 'dr-grade' ? (i * 3) % 5 : [i % 3 === 0 ? 1 : 0];
    const probabilities = taskKind === 'dr-grade' ? [0.1, 0.1, 0.1, 0.1, 0.1].map((v, k) => (k === predicted ? 0.6 : v)) : [0.4, 0.7];
    return { label, predicted, probabilities, group: `p${i % 20}`, expected: null, referable: taskKind === 'dr-grade' ? (i % 7) / 7 : null };
  });
  const evaluation = evaluate({ taskKind, head: taskKind === 'dr-grade' ? 'softmax' : 'multilabel', classes, basis: 'out-of-fold', images, threshold: 0.4 });
  return {
    card: {
      modelId: 3,
      modelName: HOSTILE,
      projectName: HOSTILE,
      taskKind,
      backbone: { id: HOSTILE, name: HOSTILE, note: HOSTILE },
      inputSize: 224,
      head: 'softmax',
      strategy: 'head on frozen backbone features',
      preprocessing: HOSTILE,
      validation: { kind: 'k-fold', folds: 5 },
      epochs: 30,
      seed: 1,
      members: null,
      trainingImages: 40,
      trainingPatients: 20,
      byClass: classes.map((name) => ({ name, images: 8, patients: 4 })),
      trainedAt: '2026-12-04T20:00:00.000Z',
      referralThreshold: 0.4,
      defaultThreshold: false,
    },
    evaluation,
    measuredOn: { images: 40, patients: 20, folders: [{ folder: `/data/${HOSTILE}`, images: 40 }] },
    agreement: {
      summary: {
        projectId: 1,
        taskKind: 'dr-grade',
        classes,
        readers: ['Dr A', HOSTILE],
        pairs: [{ readers: ['Dr A', HOSTILE], n: 10, kappa: 0.5, quadraticKappa: 0.7, percentAgreement: 0.6, intervals: {}, confusion: [], overTime: [] }],
        againstReference: [],
        fleiss: null,
        model: null,
        notes: [HOSTILE],
      },
      activeModelName: HOSTILE,
    },
    gallery: {
      errors: 2,
      gradCamUnavailable: HOSTILE,
      cases: [{ imageId: 7, fileName: HOSTILE, label: HOSTILE, predicted: HOSTILE, confidence: 0.6, overlay: null, photo: 'data:image/jpeg;base64,AAAA', explains: null }],
    },
    appVersion: '0.1.0',
    createdAt: '2026-12-04T21:00:00.000Z',
  };
}

describe('evaluationReportHtml', () => {
  it('escapes every name a user gave, so that none can open a tag, a script or an attribute', () => {
    const html = evaluationReportHtml(reportData('dr-grade'));
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;');
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
    expect(html).not.toMatch(/https?:/);
  });

  it('draws the three charts for DR grading, with the operating point at the referral threshold', () => {
    const data = reportData('dr-grade');
    const html = evaluationReportHtml(data);
    expect([...html.matchAll(/data-chart="([a-z]+)"/g)].map((m) => m[1])).toEqual(['confusion', 'roc', 'calibration']);
    const referable = data.evaluation.referable!;
    const svg = rocChart(referable);
    // The marker sits at (1 − specificity, sensitivity) on the 340 × 300 plot with 48/14 and 12/44 margins.
    const [, cx, cy] = /data-point="operating" cx="([\d.]+)" cy="([\d.]+)"/.exec(svg)!;
    expect(Number(cx)).toBeCloseTo(48 + (1 - referable.specificity!) * (340 - 48 - 14), 1);
    expect(Number(cy)).toBeCloseTo(300 - 44 - referable.sensitivity! * (300 - 44 - 12), 1);
    expect(html).toContain('Grad-CAM is unavailable for this report');
  });

  it('leaves out what a multilabel task does not have (confusion matrix, ROC) and still shows calibration', () => {
    const html = evaluationReportHtml({ ...reportData('multilabel'), agreement: { unavailable: 'Agreement is measured on DR grades and single-class projects.' } });
    expect([...html.matchAll(/data-chart="([a-z]+)"/g)].map((m) => m[1])).toEqual(['calibration']);
    expect(html).toContain('Agreement is measured on DR grades');
    expect(html).not.toContain('data-metric="qwk"');
  });
});
