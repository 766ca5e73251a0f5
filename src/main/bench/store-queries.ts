import path from 'node:path';
import { taskSpecFor, type ImageQuery, type Project, type Reader } from '../../shared/domain';
import { Store } from '../store';
import { bareImagePage, bareOneRowWrites } from '../store/bare-sql';
import type { NewImage } from '../store/images';
import { percentile, printFigure, sampleMs } from './measure';

const IMAGES = 100_000;

/** A 100,000-image project: EyePACS-like names, two eyes per patient, 60% graded, some flags. */
function fillProject(store: Store, project: Project, reader: Reader): void {
  store.transaction(() => {
    for (let i = 0; i < IMAGES; i++) {
      const patient = 10000 + Math.floor(i / 2);
      const eye = i % 2 ? 'right' : 'left';
      const stem = `${patient}_${eye}`;
      const row: NewImage = {
        projectId: project.id, path: `/clinic/${stem}.jpeg`, fileName: `${stem}.jpeg`, stem,
        sha256: i.toString(16).padStart(64, '0'), phash: null, detailHash: null, width: 2048, height: 1536, bytes: 400_000,
        format: 'jpeg', groupId: String(patient), eye, status: 'ok', errorKind: null, errorText: null,
      };
      const id = store.images.insert(row);
      if (i % 10 < 6) store.labels.record(project.task, { imageId: id, value: (i * 7) % 5, source: 'reader', readerId: reader.id });
      if (i % 50 === 0) store.labels.setUngradable(id, true, reader.id);
    }
  });
}

export function benchStoreQueries(scratch: string): void {
  const store = Store.open(path.join(scratch, 'grid-store'));
  try {
    const project = store.projects.create('Large', taskSpecFor('dr-grade'));
    const reader = store.readers.ensure('Bench reader');
    fillProject(store, project, reader);

    const queries: Array<[string, ImageQuery]> = [
      ['grade 2, by name', { projectId: project.id, filter: { label: 2 }, sort: 'name' }],
      ['unlabelled, newest first', { projectId: project.id, filter: { unlabelled: true }, sort: 'imported', descending: true }],
      ['all, by grade', { projectId: project.id, sort: 'label' }],
      ['ungradable, by name', { projectId: project.id, filter: { ungradable: true }, sort: 'name' }],
    ];
    // Scrolling: the filter's ordered ids are already computed; each page is a slice and 200 row lookups.
    const pageTimes: number[] = [];
    // Opening a filter or sort, or the first page after any write: the ordered ids are computed first.
    const coldTimes: number[] = [];
    for (const [, query] of queries) {
      const { total } = store.images.page(project.task, { ...query, limit: 1 });
      const offsets = [0, Math.floor(total / 2), Math.max(0, total - 200)];
      pageTimes.push(...sampleMs(60, (i) => store.images.page(project.task, { ...query, offset: offsets[i % 3]!, limit: 200 })));
      for (let i = 0; i < 15; i++) {
        store.labels.setNote(1, `bench ${i}`, reader.id);
        coldTimes.push(...sampleMs(1, () => store.images.page(project.task, { ...query, limit: 200 })));
      }
    }
    const barePage = bareImagePage(store);
    const bareTimes = sampleMs(240, (i) => barePage(project.id, (i % 3) * 49_000));
    const p95 = percentile(pageTimes, 95);
    printFigure({
      name: `grid page (200 rows, filtered and sorted, offsets start/middle/end) over ${IMAGES.toLocaleString('en')} images, p95`,
      value: p95,
      unit: 'ms',
      baseline: { name: 'bare SELECT 200 rows, p95', value: percentile(bareTimes, 95) },
      goal: '< 20 ms',
      met: p95 < 20,
    });
    printFigure({ name: 'grid page, median', value: percentile(pageTimes, 50), unit: 'ms' });
    const coldP95 = percentile(coldTimes, 95);
    printFigure({
      name: 'first grid page after a filter/sort change or a write (ordered ids recomputed), p95',
      value: coldP95,
      unit: 'ms',
      goal: '< 20 ms',
      met: coldP95 < 20,
    });

    // One grade = one transaction with its event, as a reader's keypress writes it.
    const rater = store.readers.ensure('Rate reader');
    const writes = 3000;
    const labelMs = sampleMs(writes, (i) =>
      store.labels.record(project.task, { imageId: 1 + ((i * 37) % IMAGES), value: i % 5, source: 'reader', readerId: rater.id }),
    );
    const bareWrite = bareOneRowWrites(store);
    const bareMs = sampleMs(writes, bareWrite);
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    printFigure({
      name: 'label write with its event (one transaction each)',
      value: (writes / sum(labelMs)) * 1000,
      unit: 'writes/s',
      baseline: { name: 'bare one-row INSERT transaction', value: (writes / sum(bareMs)) * 1000 },
    });
  } finally {
    store.close();
  }
}
