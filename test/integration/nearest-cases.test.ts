// Nearest cases on the demo project: train a small model, embed every image with an ArcFace head,
// then ask for the similar cases of grade-4 images and measure neighbour accuracy on held-out patients.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskSpecFor, type Project } from '../../src/shared/domain';
import { writeDemoDataset } from '../../src/main/demo/dataset';
import { hasArcFace, loadArcFace } from '../../src/main/ml/embeddings/arcface-files';
import { runCli } from '../../src/main/cli/program';
import { SimilarCases } from '../../src/main/ml/embeddings/similar-cases';
import { Workspace } from '../../src/main/app/workspace';

let root: string;
let workspace: Workspace;
let project: Project;
let modelId: number;
/** A grade-4 eye graded 0 by mistake before the model and its embedding were trained. */
let planted: number;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-nearest-'));
  const demo = await writeDemoDataset(path.join(root, 'photos'), { count: 120, seed: 31, minSize: 256, maxSize: 384 });
  workspace = Workspace.open(path.join(root, 'data'));
  project = workspace.store.projects.create('Screening', taskSpecFor('dr-grade'));
  await workspace.startImport({ project, folder: path.join(demo.dir, 'images'), labelsFile: demo.labelsFile }).done;
  planted = workspace.store.images.readable(project.id).find((i) => i.label === 4)!.id;
  const reader = workspace.store.readers.ensure('Dr Hasty');
  workspace.store.labels.record(project.task, { imageId: planted, value: 0, source: 'reader', readerId: reader.id });
}, 180_000);

afterAll(async () => {
  await workspace?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('nearest cases', () => {
  it('trains a model, then embeds every image as a job', async () => {
    const started = workspace.startTraining(project, { inputSize: 128, epochs: 10 });
    modelId = started.modelId;
    await started.job.done;
    const outcome = await workspace.startEmbedding(project).done;
    expect(outcome).toMatchObject({ modelId, embeddingDim: 512 });
    expect(outcome.losses.at(-1)!).toBeLessThan(outcome.losses[0]!);
    const readable = workspace.store.images.readable(project.id).length;
    expect(workspace.store.embeddings.count(modelId)).toBe(readable);
    const dir = workspace.store.models.dir(modelId);
    expect(hasArcFace(dir)).toBe(true);
    expect(loadArcFace(dir).manifest).toMatchObject({ groupBy: 'label', options: { margin: 0.5, scale: 30 } });
  }, 900_000);

  it('finds mostly grade 3–4 cases, of other patients, as the neighbours of grade-4 images', () => {
    const similar = new SimilarCases(workspace.store, workspace.dataDir);
    const images = workspace.store.images.readable(project.id);
    const grade4 = images.filter((i) => i.label === 4);
    expect(grade4.length).toBeGreaterThan(2);
    let severe = 0;
    let total = 0;
    for (const image of grade4) {
      const answer = similar.forImage(image.id, 5);
      expect(answer.neighbours).toHaveLength(5);
      for (const n of answer.neighbours) {
        const other = images.find((i) => i.id === n.imageId)!;
        expect(other.groupId).not.toBe(image.groupId);
        expect(n.imageId).not.toBe(image.id);
        if ((n.label as number) >= 3) severe++;
        total++;
      }
      expect(answer.suggestion!.confidence).toBeGreaterThan(0);
    }
    expect(severe / total).toBeGreaterThanOrEqual(0.6);
    // The index was saved under the data dir and is loaded back by a fresh service.
    expect(fs.readdirSync(path.join(workspace.dataDir, 'search')).length).toBeGreaterThan(0);
    const again = new SimilarCases(workspace.store, workspace.dataDir).forImage(grade4[0]!.id, 5);
    expect(again.neighbours.map((n) => n.imageId)).toEqual(similar.forImage(grade4[0]!.id, 5).neighbours.map((n) => n.imageId));
  });

  it('does not echo a wrong label: the neighbours of a grade-4 eye graded 0 by mistake do not follow the 0', () => {
    const answer = new SimilarCases(workspace.store, workspace.dataDir).forImage(planted);
    // Looked up in its fold's space, which a head trained without that fold (and so without its 0) made.
    expect(answer.learnedThisLabel).toBe(false);
    const zeros = answer.neighbours.filter((n) => n.label === 0).length;
    expect(zeros).toBeLessThan(answer.neighbours.length / 2);
    expect(answer.suggestion!.label).not.toBe(0);
    expect(answer.suggestion!.agrees).toBe(false);
  });

  it('records an accepted suggestion as a model-accepted label event', () => {
    const similar = new SimilarCases(workspace.store, workspace.dataDir);
    const image = workspace.store.images.readable(project.id).find((i) => i.label !== null)!;
    const reader = workspace.store.readers.ensure('Dr Test');
    const { suggestion } = similar.forImage(image.id);
    const other = suggestion!.label === 0 ? 1 : 0;
    expect(() => similar.accept(image.id, reader.id, { label: other, minConfidence: 0 })).toThrow(/now suggest another label/);
    expect(() => similar.accept(image.id, reader.id, { label: suggestion!.label, minConfidence: 1.01 })).toThrow(/below your threshold/);
    expect(workspace.store.labels.history(image.id).some((e) => e.source === 'model-accepted')).toBe(false);
    const event = similar.accept(image.id, reader.id, { label: suggestion!.label, minConfidence: 0 });
    expect(event).toMatchObject({ imageId: image.id, source: 'model-accepted', value: suggestion!.label });
  });

  it('beats the majority class with top-1 neighbour accuracy on held-out patients, measured by the embedding job', () => {
    const summary = new SimilarCases(workspace.store, workspace.dataDir).summary(modelId)!;
    expect(summary).toMatchObject({ embeddingDim: 512, margin: 0.5, scale: 30 });
    const heldOut = summary.heldOut!;
    expect(heldOut.folds).toBeGreaterThanOrEqual(2);
    expect(heldOut.images).toBeGreaterThan(50);
    expect(heldOut.accuracy).toBeGreaterThan(heldOut.majorityRate);
  });

  it('embeds with chosen ArcFace settings from the command line, then lists similar cases of a file', async () => {
    let stdout = '';
    let stderr = '';
    const io = { stdout: (text: string) => void (stdout += text), stderr: (text: string) => void (stderr += text), interactive: false };
    const data = ['--data', workspace.dataDir];
    expect(await runCli([...data, 'embed', '--project', 'Screening', '--margin', '0.4', '--scale', '20', '--dim', '128', '--group-by', 'group'], io)).toBe(0);
    expect(stdout).toMatch(/Embedded \d+ images of Screening with model \d+ \(128-d, by group, margin 0\.4, scale 20;/);
    expect(stdout).toMatch(/Top-1 neighbour accuracy on held-out patients: \d+\.\d% \(always guessing the commonest label: \d+\.\d%; \d+ images, \d folds\)/);
    expect(loadArcFace(workspace.store.models.dir(modelId)).manifest).toMatchObject({ embeddingDim: 128, groupBy: 'group', options: { margin: 0.4, scale: 20 } });

    const image = workspace.store.images.readable(project.id).find((i) => i.label === 4)!;
    stdout = '';
    const fileName = path.basename(image.path);
    expect(await runCli([...data, '--json', 'similar', fileName, '--project', 'Screening', '--k', '3'], io)).toBe(0);
    const answer = JSON.parse(stdout) as { image: { id: number }; neighbours: Array<{ imageId: number; similarity: number }> };
    expect(answer.image.id).toBe(image.id);
    expect(answer.neighbours).toHaveLength(3);
    expect(answer.neighbours.map((n) => n.similarity)).toEqual([...answer.neighbours.map((n) => n.similarity)].sort((a, b) => b - a));

    stderr = '';
    expect(await runCli([...data, 'embed', '--project', 'Screening', '--margin', '2'], io)).not.toBe(0);
    expect(stderr).toMatch(/--margin is a number from 0 to 1\.5, not "2"/);
  }, 300_000);
});
