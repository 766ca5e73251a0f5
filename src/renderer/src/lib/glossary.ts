/**
 * The words Gradedesk uses, a clinician's first and the technical term after, reachable from `?`. Each
 * entry says what a figure means and what it does not.
 */
export interface GlossaryEntry {
  words: string;
  term: string;
  meaning: string;
}

export const GLOSSARY: readonly GlossaryEntry[] = [
  {
    words: 'Chance of referable DR',
    term: 'P(referable)',
    meaning: 'The model’s probability that the eye has grade 2 (moderate NPDR) or worse. An estimate from photographs like these, not a diagnosis.',
  },
  {
    words: 'Referral threshold',
    term: 'operating point',
    meaning: 'The chance of referable DR at and above which the model refers an eye; chosen on the ROC curve in Evaluate, 0.5 until then.',
  },
  {
    words: 'Average of the model’s grades',
    term: 'expected grade',
    meaning: 'The grades weighted by their probabilities. When the model hesitates between two grades far apart, look at both possibilities rather than this average.',
  },
  {
    words: 'Held out',
    term: 'out-of-fold',
    meaning: 'A prediction for an image the model did not train on: the patients are split into groups (folds) and each group is predicted by models trained on the others. Every figure in Evaluate comes from such predictions.',
  },
  {
    words: 'Agreement with the readers’ grades',
    term: 'QWK (quadratic weighted kappa)',
    meaning: 'How closely the model’s grades follow the readers’, counting far misses much more than near ones; 1 is perfect, 0 no better than chance.',
  },
  {
    words: 'Telling referable DR from the rest',
    term: 'AUC (area under the ROC curve)',
    meaning: 'The chance that a referable eye scores higher than a non-referable one; 0.5 is chance, 1 perfect. It does not depend on the referral threshold.',
  },
  {
    words: 'Balance of missed and false findings, per class',
    term: 'macro-F1',
    meaning: 'For each class, how well the model avoids both missing it and adding it; averaged over the classes.',
  },
  {
    words: 'Gap between stated and actual confidence',
    term: 'ECE (expected calibration error)',
    meaning: 'How far the model’s confidence is from how often it is right; 0 means that when it says 80% it is right 80% of the time.',
  },
  {
    words: '95% interval',
    term: 'bootstrap confidence interval',
    meaning: 'Where the figure would fall on 95% of other samples of these patients; wide when few patients were measured.',
  },
  {
    words: 'Surprise at the label',
    term: 'loss, −log P',
    meaning: 'How unlikely the model found the reader’s label, on an image it did not train on; high values are worth a second look.',
  },
  {
    words: 'Possible label errors',
    term: 'confident learning',
    meaning: 'Graded images whose label the model doubts as strongly as it is sure of typical images of another class. A prompt to look again, not a verdict.',
  },
  {
    words: 'Similar cases',
    term: 'ArcFace embedding, nearest neighbours',
    meaning: 'Graded images of other patients that the model sees as alike. For a graded image they are found by a model that never learned its label, so they cannot simply repeat it.',
  },
  {
    words: 'Contrast-enhanced view',
    term: 'Ben Graham preprocessing',
    meaning: 'The photograph with its background brightness removed, which makes small lesions stand out; what the model sees.',
  },
  {
    words: 'Where the model looked',
    term: 'Grad-CAM',
    meaning: 'The parts of the picture that raised the chosen class most. It shows what drove the prediction, not where the lesions are.',
  },
  {
    words: 'Ungradable',
    term: 'UG',
    meaning: 'A photograph whose quality does not allow a grade. It is left out of training and of every figure.',
  },
];
