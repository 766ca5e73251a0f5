import { EventEmitter } from 'node:events';
import type { Events } from '../../shared/api';
import type { JobInfo } from '../../shared/jobs';

export type DataChange = Events['data.changed'];

/**
 * What the app's operations changed, announced once by the operation that wrote it; the api forwards
 * these to the windows, the CLI ignores them.
 */
export class DataChanges extends EventEmitter<{ changed: [DataChange] }> {
  announce(change: DataChange): void {
    this.emit('changed', change);
  }
}

/** The data a job changed by ending: an import adds images, training and prediction write predictions. */
export function changeOfFinishedJob(info: JobInfo): DataChange | null {
  if (info.kind === 'import') return { projectId: null, imageIds: null, what: 'images' };
  if (info.kind === 'training' || info.kind === 'prediction') return { projectId: info.projectId, imageIds: null, what: 'predictions' };
  return null;
}
