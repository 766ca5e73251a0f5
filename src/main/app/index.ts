// The application layer: every operation of Gradedesk, written once, with its checks, side effects and
// data-change announcements. The api table (src/main/api/handlers.ts) maps each method to one of these;
// the CLI parses its arguments, names things and prints, and calls the same functions.
import type { Workspace } from './workspace';
import { agreementOperations } from './agreement';
import { backboneOperations } from './backbones';
import { openDemoProject } from './demo';
import { dicomExportOperations } from './dicom-export';
import { exportOperations } from './exports';
import { gradCamOperations } from './gradcam';
import { imageOperations } from './images';
import { importOperations } from './imports';
import { jobOperations } from './jobs';
import { labelOperations } from './labels';
import { modelOperations } from './models';
import { peopleOperations } from './people';
import { predictionOperations } from './predictions';
import { projectOperations } from './projects';
import { protocolOperations } from './protocols';
import { readerOperations } from './readers';
import { similarCaseOperations } from './similar';
import { trainingOperations } from './training';
import { triageOperations } from './triage';

export function createApp(workspace: Workspace) {
  const { similar, embeddings } = similarCaseOperations(workspace);
  return {
    workspace,
    projects: projectOperations(workspace),
    readers: readerOperations(workspace),
    people: peopleOperations(workspace),
    images: imageOperations(workspace),
    labels: labelOperations(workspace),
    protocols: protocolOperations(workspace),
    agreement: agreementOperations(workspace),
    imports: importOperations(workspace),
    training: trainingOperations(workspace),
    backbones: backboneOperations(workspace),
    models: modelOperations(workspace),
    predictions: predictionOperations(workspace),
    gradcam: gradCamOperations(workspace),
    triage: triageOperations(workspace),
    similar,
    embeddings,
    exports: { ...exportOperations(workspace), ...dicomExportOperations(workspace) },
    jobs: jobOperations(workspace),
    demo: { open: (options: Parameters<typeof openDemoProject>[1]) => openDemoProject(workspace, options) },
  };
}

export type App = ReturnType<typeof createApp>;
