// Exact cosine search: one dot product per stored unit vector, in a tight loop over a flat buffer.
import fs from 'node:fs';
import type { NearestIndex, Neighbour } from './neighbours';
import { TopK } from './top-k';

export class ExactIndex implements NearestIndex {
  static readonly extension = '.exact';
  readonly kind = 'exact' as const;
  private ids: number[] = [];
  private rowOf = new Map<number, number>();
  private data: Float32Array;

  constructor(readonly dim: number) {
    this.data = new Float32Array(dim * 64);
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: number): boolean {
    return this.rowOf.has(id);
  }

  add(ids: readonly number[], vectors: Float32Array): void {
    const { dim } = this;
    ids.forEach((id, i) => {
      let row = this.rowOf.get(id);
      if (row === undefined) {
        row = this.ids.length;
        if ((row + 1) * dim > this.data.length) {
          const grown = new Float32Array(Math.max(this.data.length * 2, (row + 1) * dim));
          grown.set(this.data);
          this.data = grown;
        }
        this.ids.push(id);
        this.rowOf.set(id, row);
      }
      this.data.set(vectors.subarray(i * dim, (i + 1) * dim), row * dim);
    });
  }

  search(query: Float32Array, k: number, skip?: (id: number) => boolean): Neighbour[] {
    const { dim, data, ids } = this;
    const top = new TopK(k);
    for (let row = 0, offset = 0; row < ids.length; row++, offset += dim) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += data[offset + d]! * query[d]!;
      if (dot > top.worst && !skip?.(ids[row]!)) top.offer(ids[row]!, dot);
    }
    return top.result();
  }

  /** A header line (JSON: dim, ids) then the float32 rows. */
  save(file: string): void {
    const header = Buffer.from(JSON.stringify({ format: 'gradedesk-exact/1', dim: this.dim, ids: this.ids }) + '\n');
    const rows = this.data.subarray(0, this.ids.length * this.dim);
    const partial = `${file}.partial`;
    fs.writeFileSync(partial, Buffer.concat([header, Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength)]));
    fs.renameSync(partial, file);
  }

  static load(file: string): ExactIndex {
    const bytes = fs.readFileSync(file);
    const end = bytes.indexOf(10);
    const header = JSON.parse(bytes.subarray(0, end).toString('utf8')) as { dim: number; ids: number[] };
    const body = bytes.subarray(end + 1);
    const index = new ExactIndex(header.dim);
    index.add(header.ids, new Float32Array(new Uint8Array(body).buffer));
    return index;
  }
}
