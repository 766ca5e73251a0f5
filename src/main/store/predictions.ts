import type { LabelValue } from '../../shared/domain';
import type { Prediction } from '../../shared/ml';
import type { Db } from './database';
import { writeTransaction } from './write-transaction';

export interface PredictionRow {
  model_id: number;
  image_id: number;
  probabilities: string | null;
  predicted: string;
  expected: number | null;
  referable: number | null;
  entropy: number | null;
  margin: number | null;
  out_of_fold: number;
  in_training_set: number;
}

/** Each model's latest prediction per image. */
export class PredictionStore {
  constructor(private readonly db: Db) {}

  save(predictions: readonly Prediction[]): void {
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO predictions (model_id, image_id, probabilities, predicted, predicted_class, predicted_mask, expected, referable, entropy, margin, out_of_fold, in_training_set, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const now = new Date().toISOString();
    writeTransaction(this.db, () => {
      for (const p of predictions) {
        const single = typeof p.predicted === 'number';
        const mask = single ? null : (p.predicted as number[]).reduce((bits, k) => bits + 2 ** k, 0);
        insert.run(p.modelId, p.imageId, p.probabilities ? JSON.stringify(p.probabilities.map(round)) : null, JSON.stringify(p.predicted),
          single ? p.predicted : null, mask, p.expected, p.referable, p.entropy, p.margin, p.outOfFold ? 1 : 0, p.inTrainingSet ? 1 : 0, now);
      }
    });
  }

  forImage(modelId: number, imageId: number): Prediction | null {
    const row = this.db.prepare('SELECT * FROM predictions WHERE model_id = ? AND image_id = ?').get(modelId, imageId) as PredictionRow | undefined;
    return row ? toPrediction(row) : null;
  }

  forModel(modelId: number, options: { outOfFoldOnly?: boolean } = {}): Prediction[] {
    const rows = this.db
      .prepare(`SELECT * FROM predictions WHERE model_id = ? ${options.outOfFoldOnly ? 'AND out_of_fold = 1' : ''} ORDER BY image_id`)
      .all(modelId) as PredictionRow[];
    return rows.map(toPrediction);
  }
}

/** Probabilities are stored to 6 decimals: enough for every ranking, a third of the text. */
const round = (value: number) => Math.round(value * 1e6) / 1e6;

/** A stored prediction row as the domain's `Prediction`. */
export function toPrediction(row: PredictionRow): Prediction {
  return {
    modelId: row.model_id,
    imageId: row.image_id,
    probabilities: row.probabilities ? (JSON.parse(row.probabilities) as number[]) : null,
    predicted: JSON.parse(row.predicted) as LabelValue,
    expected: row.expected,
    referable: row.referable,
    entropy: row.entropy,
    margin: row.margin,
    outOfFold: row.out_of_fold === 1,
    inTrainingSet: row.in_training_set === 1,
  };
}
