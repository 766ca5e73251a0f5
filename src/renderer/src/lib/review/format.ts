import type { ImageDetail } from '../../../../shared/api';
import type { ViewPosition } from '../../../../shared/domain';
import type { TaskSpec } from '../../../../shared/domain';

const count = new Intl.NumberFormat('en');

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatSize(image: ImageDetail): string {
  const pixels = image.width && image.height ? `${image.width} × ${image.height} px` : 'size unknown';
  return `${pixels}, ${formatBytes(image.bytes)}${image.format ? `, ${image.format.toUpperCase()}` : ''}`;
}

/** "image 12 of 3,480 in this view". */
export function positionText(position: ViewPosition): string {
  if (position.index < 0) return `not in this view (of ${count.format(position.total)} image${position.total === 1 ? '' : 's'})`;
  return `image ${count.format(position.index + 1)} of ${count.format(position.total)} in this view`;
}

const time = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const formatTime = (iso: string): string => time.format(new Date(iso));

export function eyeText(eye: ImageDetail['eye']): string {
  return eye === 'left' ? 'left eye' : eye === 'right' ? 'right eye' : 'eye not known';
}

/**
 * Below this many pixels across its shorter side a fundus photograph cannot show microaneurysms, a few
 * pixels wide even at camera resolution; screening cameras give 1,500 px and more.
 */
export const DIAGNOSTIC_SHORT_SIDE = 800;

/** A warning for a fundus photograph far below diagnostic resolution; null otherwise (and for other tasks). */
export function lowResolutionWarning(task: TaskSpec, image: Pick<ImageDetail, 'width' | 'height' | 'status'>): string | null {
  if (task.kind !== 'dr-grade' || image.status !== 'ok' || !image.width || !image.height) return null;
  const shorter = Math.min(image.width, image.height);
  if (shorter >= DIAGNOSTIC_SHORT_SIDE) return null;
  return `Low resolution: ${image.width} × ${image.height} px. Microaneurysms and small haemorrhages may not show at this size; grade with care, or mark it ungradable.`;
}
