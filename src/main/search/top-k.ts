// The k best (id, similarity) pairs seen so far, kept sorted best first.
import type { Neighbour } from './neighbours';

/** Keeps the k best (highest similarity) of a stream. */
export class TopK {
  readonly ids: number[] = [];
  readonly similarities: number[] = [];
  constructor(private readonly k: number) {}

  get worst(): number {
    return this.ids.length < this.k ? -Infinity : this.similarities[this.ids.length - 1]!;
  }

  offer(id: number, similarity: number): void {
    if (similarity <= this.worst || this.k === 0) return;
    let i = Math.min(this.ids.length, this.k - 1);
    if (this.ids.length < this.k) {
      this.ids.push(id);
      this.similarities.push(similarity);
    }
    while (i > 0 && this.similarities[i - 1]! < similarity) {
      this.ids[i] = this.ids[i - 1]!;
      this.similarities[i] = this.similarities[i - 1]!;
      i--;
    }
    this.ids[i] = id;
    this.similarities[i] = similarity;
  }

  result(): Neighbour[] {
    return this.ids.map((id, i) => ({ id, similarity: this.similarities[i]! }));
  }
}
