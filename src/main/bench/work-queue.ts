/**
 * A grader's work queue as Review follows it ("Grade my queue"): where an image stands (queue.locate) in a
 * 20,000-image double-blind project that two graders have partly graded, while moving from image to image
 * (no write between: the project's calls are kept) and at the first place asked for after a grade (read again).
 */
import path from 'node:path';
import { taskSpecFor } from '../../shared/domain';
import { createApp } from '../app';
import { Workspace } from '../app/workspace';
import { bareProjectIds } from '../store/bare-sql';
import { percentile, printFigure, sampleMs } from './measure';

const IMAGES = 20_000;

export async function benchWorkQueue(scratch: string): Promise<void> {
  const workspace = Workspace.open(path.join(scratch, 'work-queue-data'));
  try {
    const { store } = workspace;
    const project = store.projects.create('Reading centre', taskSpecFor('dr-grade'));
    const [ana, ben] = [store.readers.ensure('Ana'), store.readers.ensure('Ben')];
    store.protocols.set(project.id, { kind: 'double-blind', graders: 2, refer: [], policy: 'majority', queueOrder: 'random' });
    const ids: number[] = [];
    // Ana has graded 60% of the images, Ben 30%: her queue owes 40% of them.
    store.transaction(() => {
      for (let i = 0; i < IMAGES; i++) {
        const stem = `${10000 + Math.floor(i / 2)}_${i % 2 ? 'right' : 'left'}`;
        const id = store.images.insert({
          projectId: project.id, path: `/clinic/${stem}.jpeg`, fileName: `${stem}.jpeg`, stem, sha256: i.toString(16).padStart(64, '0'), phash: null,
          detailHash: null, width: 2048, height: 1536, bytes: 400_000, format: 'jpeg', groupId: stem.split('_')[0]!, eye: i % 2 ? 'right' : 'left',
          status: 'ok', errorKind: null, errorText: null,
        });
        ids.push(id);
        if (i % 10 < 6) store.labels.record(project.task, { imageId: id, value: i % 5, source: 'reader', readerId: ana.id, blind: true });
        if (i % 10 >= 7) store.labels.record(project.task, { imageId: id, value: (i + 1) % 5, source: 'reader', readerId: ben.id, blind: true });
      }
    });
    const app = createApp(workspace);
    const owed = app.protocols.queueList({ projectId: project.id, readerId: ana.id, limit: 100_000 }).imageIds;
    const locate = (imageId: number) => app.protocols.queueLocate({ projectId: project.id, readerId: ana.id, imageId });

    locate(owed[0]!);
    const moving = sampleMs(200, (i) => locate(owed[(i * 37) % owed.length]!));
    const afterGrade: number[] = [];
    for (let i = 0; i < 15; i++) {
      store.labels.record(project.task, { imageId: owed[i]!, value: 1, source: 'reader', readerId: ana.id, blind: true });
      afterGrade.push(...sampleMs(1, () => locate(owed[i]!)));
    }
    const bare = bareProjectIds(store);
    const bareP95 = percentile(sampleMs(200, () => bare(project.id)), 95);
    const movingP95 = percentile(moving, 95);
    printFigure({
      name: `work queue: queue.locate while moving through ${owed.length.toLocaleString('en')} owed of ${IMAGES.toLocaleString('en')} images (double-blind), p95`,
      value: movingP95,
      unit: 'ms',
      baseline: { name: "bare SELECT of the project's image ids, p95", value: bareP95 },
      goal: '≤ 5× the bare SELECT',
      met: movingP95 <= 5 * bareP95,
    });
    printFigure({
      name: "work queue: first queue.locate after a grade (the project's grader calls read again), p95",
      value: percentile(afterGrade, 95),
      unit: 'ms',
      baseline: { name: "bare SELECT of the project's image ids, p95", value: bareP95 },
    });
  } finally {
    await workspace.close();
  }
}
