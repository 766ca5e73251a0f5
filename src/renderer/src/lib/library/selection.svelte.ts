/**
 * The images selected in the library grid, for bulk grading. Kept as a Set (a selection can hold every
 * image of a 100,000-image view) with one version counter for reactivity, and mirrored into the shared
 * `library.selected` so that it survives a trip to Review.
 */
import { library } from '../session.svelte';
import type { ViewStretch } from './view-rows';

/** Selected images that could not be imported (skipped when grading); outlives the view, like `library.selected`. */
let errorIds = new Set<number>();

export class Selection {
  #ids: Set<number>;
  #version = $state(0);
  /** Where a Shift+click range starts: the last cell clicked or toggled. */
  anchor: number | null = null;

  constructor() {
    this.#ids = new Set($state.snapshot(library.selected));
  }

  get size(): number {
    void this.#version;
    return this.#ids.size;
  }

  has(id: number): boolean {
    void this.#version;
    return this.#ids.has(id);
  }

  /** The selected images that can be graded, and how many selected ones cannot. */
  gradable(): { ids: number[]; skipped: number } {
    const ids = [...this.#ids].filter((id) => !errorIds.has(id));
    return { ids, skipped: this.#ids.size - ids.length };
  }

  only(id: number, isError: boolean): void {
    this.#replace({ ids: [id], errorIds: isError ? [id] : [] });
  }

  toggle(id: number, isError: boolean): void {
    if (this.#ids.delete(id)) errorIds.delete(id);
    else {
      this.#ids.add(id);
      if (isError) errorIds.add(id);
    }
    this.#changed();
  }

  /** Replaces the selection (a Shift+click range or Ctrl+A). */
  set(stretch: ViewStretch): void {
    this.#replace(stretch);
  }

  clear(): void {
    if (this.#ids.size === 0) return;
    this.#replace({ ids: [], errorIds: [] });
  }

  #replace(stretch: ViewStretch): void {
    this.#ids = new Set(stretch.ids);
    errorIds = new Set(stretch.errorIds);
    this.#changed();
  }

  #changed(): void {
    this.#version++;
    library.selected = [...this.#ids];
  }
}
