import { conflict } from '../../shared/errors';
import { isDoubleProtocol } from '../../shared/protocols';
import type { EmbedOutcome } from '../ml/embeddings/embed';
import type { RunningJob } from '../jobs/runner';
import { SimilarCases } from '../ml/embeddings/similar-cases';
import type { Workspace } from './workspace';
import { startedJob } from './jobs';
import type { Validated } from './operation';

/** Similar cases (the nearest graded images in the active model's embedding) and the embeddings they come from. */
export function similarCaseOperations(workspace: Workspace) {
  const { store } = workspace;
  let opened: SimilarCases | null = null;
  const similarCases = () => (opened ??= new SimilarCases(store, workspace.dataDir));
  /** Trains an ArcFace embedding on the active model and embeds every image of the project, as a job. */
  const runEmbedding = ({ projectId, groupBy, ...options }: Validated<'embeddings.start'>): RunningJob<EmbedOutcome> =>
    workspace.startEmbedding(store.projects.get(projectId), { ...(groupBy ? { groupBy } : {}), options });

  return {
    similar: {
      forImage: ({ imageId, k }: Validated<'similar.forImage'>) => similarCases().forImage(imageId, k),
      accept({ imageId, readerId, label, minConfidence }: Validated<'similar.accept'>) {
        const project = store.projects.get(store.images.get(imageId).projectId);
        if (isDoubleProtocol(store.protocols.get(project.id))) {
          throw conflict(`Project "${project.name}" is graded blind by several graders; grade the image yourself rather than accept the similar cases' vote.`);
        }
        const event = similarCases().accept(imageId, readerId, { label, minConfidence });
        workspace.changes.announce({ projectId: store.images.get(imageId).projectId, imageIds: [imageId], what: 'labels', eventIds: [event.id] });
        return event;
      },
    },
    embeddings: {
      summary({ modelId }: Validated<'embeddings.summary'>) {
        store.models.get(modelId);
        return similarCases().summary(modelId);
      },
      run: runEmbedding,
      start: (request: Validated<'embeddings.start'>) => startedJob(workspace, runEmbedding(request)),
    },
  };
}
