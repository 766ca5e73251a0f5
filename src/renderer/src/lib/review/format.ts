import type { ImageDetail, ViewPosition } from '../../../../shared/api';

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
