/**
 * The rows of the library grid, fetched page by page for the cells on screen and cached by offset.
 * A new filter or sort forgets every page; a data change refetches the pages on screen (showing the old
 * rows until the new ones arrive, so the grid does not blink) and forgets the rest.
 */
import { untrack } from 'svelte';
import type { GridRow, ImageFilter, ImageSortKey } from '../../../../shared/domain';
import { call } from '../api';

export interface GridView {
  projectId: number;
  filter: ImageFilter;
  sort: ImageSortKey;
  descending: boolean;
}

export const PAGE_SIZE = 200;
/** About 12,000 rows: enough to scroll back and forth without refetching, small at 100,000 images. */
const MAX_CACHED_PAGES = 60;
/** Fetch rounds are at most this often, so a fast scroll does not request every page it passes. */
const FETCH_INTERVAL_MS = 60;

export class GridPages {
  /** Images the view matches; null until the first page of a new view has arrived. */
  total = $state<number | null>(null);
  /** Why the last page could not be fetched, in main's words. */
  error = $state<string | null>(null);
  #version = $state(0);
  #pages = new Map<number, GridRow[]>();
  #stale = new Map<number, GridRow[]>();
  #loading = new Set<number>();
  #generation = 0;
  #wanted = { first: 0, last: -1 };
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastRound = 0;

  constructor(private readonly view: () => GridView) {}

  /** The row of cell `index`, or undefined while its page is being fetched. Reactive. */
  row(index: number): GridRow | undefined {
    void this.#version;
    const page = Math.floor(index / PAGE_SIZE);
    return (this.#pages.get(page) ?? this.#stale.get(page))?.[index - page * PAGE_SIZE];
  }

  /** The cells on screen (inclusive); their pages are fetched if missing. */
  want(first: number, last: number): void {
    this.#wanted = { first, last };
    if (this.#missingPages().length === 0 || this.#timer) return;
    const wait = this.#lastRound + FETCH_INTERVAL_MS - performance.now();
    if (wait <= 0) this.#fetchRound();
    else this.#timer = setTimeout(() => this.#fetchRound(), wait);
  }

  /** A new filter or sort: every cached page is wrong, and the grid goes back to the top. */
  reset(): void {
    this.#pages.clear();
    this.#stale.clear();
    this.total = null;
    this.#wanted = { first: 0, last: this.#wanted.last - this.#wanted.first };
    this.#restart();
  }

  /** The images changed: refetch the pages on screen and the total, keeping old rows on show meanwhile. */
  refresh(): void {
    const onScreen = new Set(this.#wantedPages());
    this.#stale = new Map([...this.#stale, ...this.#pages].filter(([page]) => onScreen.has(page)));
    this.#pages.clear();
    this.#restart();
  }

  dispose(): void {
    this.#generation++;
    if (this.#timer) clearTimeout(this.#timer);
  }

  #restart(): void {
    this.#generation++;
    this.#loading.clear();
    this.#version++;
    if (this.#timer) clearTimeout(this.#timer);
    this.#fetchRound();
  }

  #wantedPages(): number[] {
    const { first, last } = this.#wanted;
    const lastIndex = this.total === null ? last : Math.min(last, this.total - 1);
    const pages: number[] = [];
    for (let page = Math.floor(first / PAGE_SIZE); page <= Math.floor(lastIndex / PAGE_SIZE); page++) pages.push(page);
    // Before the total is known, or while the view is empty, the first page still has to come to learn it:
    // an empty view must notice the images an import or a grade brings into it.
    return pages.length ? pages : [0];
  }

  #missingPages(): number[] {
    return this.#wantedPages().filter((page) => !this.#pages.has(page) && !this.#loading.has(page));
  }

  #fetchRound(): void {
    this.#timer = null;
    this.#lastRound = performance.now();
    for (const page of this.#missingPages()) void this.#fetch(page);
  }

  async #fetch(page: number): Promise<void> {
    const generation = this.#generation;
    this.#loading.add(page);
    try {
      const view = untrack(this.view);
      const result = await call('images.page', { ...view, offset: page * PAGE_SIZE, limit: PAGE_SIZE });
      if (generation !== this.#generation) return;
      this.#pages.set(page, result.rows);
      this.#stale.delete(page);
      this.#evictFarPages();
      this.total = result.total;
      this.error = null;
      this.#version++;
    } catch (error) {
      if (generation === this.#generation) this.error = (error as Error).message;
    } finally {
      if (generation === this.#generation) this.#loading.delete(page);
    }
  }

  #evictFarPages(): void {
    if (this.#pages.size <= MAX_CACHED_PAGES) return;
    const middle = (this.#wanted.first + this.#wanted.last) / 2 / PAGE_SIZE;
    const byDistance = [...this.#pages.keys()].sort((a, b) => Math.abs(b - middle) - Math.abs(a - middle));
    for (const page of byDistance.slice(0, this.#pages.size - MAX_CACHED_PAGES)) this.#pages.delete(page);
  }
}
