import { GradedeskError } from '../../shared/errors';
import type { LearningRateFinding } from '../../shared/ml';
import { initBackend } from '../ml/engine/backend';
import { onnxRuntimeInfo } from '../ml/onnx/runtime';
import { measuredRates } from '../ml/training/training-rates';
import type { Workspace } from './workspace';
import { startedJob } from './jobs';
import type { Validated } from './operation';

export function trainingOperations(workspace: Workspace) {
  const { store, jobs } = workspace;
  /** Creates a model from the project's graded images and trains it, as a job. An ONNX backbone is refused for fine-tuning before a model is made. */
  const run = ({ projectId, options, name }: Validated<'training.start'>) => {
    if (options?.strategy === 'fine-tune' && options.backboneId) {
      const backbone = workspace.engine.backbones.get(options.backboneId);
      if (backbone.format === 'onnx') {
        throw new GradedeskError('unsupported', `${backbone.name} is an ONNX model, which ONNX Runtime runs without gradients, so it cannot be fine-tuned; train a head on its frozen features instead.`);
      }
    }
    return workspace.startTraining(store.projects.get(projectId), options, name);
  };
  /** Continues an interrupted, cancelled or failed run from its last checkpoint, as a job. */
  const runResumed = ({ modelId }: Validated<'training.resume'>) => workspace.resumeTraining(modelId);
  const findLearningRate = ({ projectId, options }: Validated<'training.findLearningRate'>) =>
    workspace.startLearningRateFinder(store.projects.get(projectId), options);

  return {
    /** Which tfjs backend runs, the backbones to choose from, and the training rates measured here. */
    async capabilities(_request?: Validated<'ml.capabilities'>) {
      const backend = await initBackend();
      return { backend, onnxRuntime: await onnxRuntimeInfo(), backbones: workspace.engine.backbones.list(), rates: measuredRates(store) };
    },
    run,
    start(request: Validated<'training.start'>) {
      const { modelId, job } = run(request);
      return { job: startedJob(workspace, job), modelId };
    },
    runResumed,
    resume: (request: Validated<'training.resume'>) => ({ job: startedJob(workspace, runResumed(request)), modelId: request.modelId }),
    findLearningRate: (request: Validated<'training.findLearningRate'>) => startedJob(workspace, findLearningRate(request)),
    learningRateFinding({ jobId }: Validated<'training.learningRateFinding'>): LearningRateFinding | null {
      if (jobs.get(jobId).kind !== 'lr-finder') throw new GradedeskError('invalid', `Job ${jobId} is not a learning-rate finder.`);
      return jobs.result(jobId, 'lr-finder') ?? null;
    },
  };
}
