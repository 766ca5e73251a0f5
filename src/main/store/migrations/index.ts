import { initial } from './001-initial';
import { models } from './002-models';
import { embeddings } from './003-embeddings';
import { naturalNameOrder } from './004-natural-name-order';
import { outOfFoldEmbeddings } from './005-out-of-fold-embeddings';
import { referralThreshold } from './006-referral-threshold';
import { auditedFlags } from './007-audited-flags';
import { modelActivation } from './008-model-activation';
import { dicomSource } from './009-dicom-source';
import { people } from './010-people';
import { gradingProtocols } from './011-grading-protocols';
import { fineTuneFolds } from './012-fine-tune-folds';
import { lastSignIn } from './013-last-sign-in';
import type { Migration } from './types';

/** Every schema migration, oldest first. Append new ones; never edit one that has shipped. */
export const migrations: readonly Migration[] = [
  initial,
  models,
  embeddings,
  naturalNameOrder,
  outOfFoldEmbeddings,
  referralThreshold,
  auditedFlags,
  modelActivation,
  dicomSource,
  people,
  gradingProtocols,
  fineTuneFolds,
  lastSignIn,
];
