import { initial } from './001-initial';
import { models } from './002-models';
import { embeddings } from './003-embeddings';
import { auditedFlags } from './004-audited-flags';
import { modelActivation } from './005-model-activation';
import type { Migration } from './types';

/** Every schema migration, oldest first. Append new ones; never edit one that has shipped. */
export const migrations: readonly Migration[] = [initial, models, embeddings, auditedFlags, modelActivation];
