import type { Progress } from '../jobs/progress';

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal, where a progress bar can redraw itself in place. */
  interactive: boolean;
  /** All of standard input, for commands that read a secret from it (`user add --password-stdin`). */
  readStdin?: () => Promise<string>;
}

export const processIO: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  interactive: Boolean(process.stderr.isTTY),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function progressLine(progress: Progress, width = 24): string {
  if (progress.total === 0) return progress.phase;
  const fraction = Math.min(progress.done / progress.total, 1);
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const rate = progress.ratePerSecond === null ? '' : `  ${progress.ratePerSecond.toFixed(1)}/s`;
  const eta = progress.etaSeconds === null ? '' : `  ETA ${formatDuration(progress.etaSeconds)}`;
  return `${progress.phase} ${bar} ${progress.done}/${progress.total}${rate}${eta}`;
}

/**
 * Shows job progress on stderr: a bar redrawn in place on a terminal, and a line at each phase
 * change or tenth of the way otherwise, so logs stay readable.
 */
export function progressPrinter(io: CliIO): { update: (progress: Progress) => void; end: () => void } {
  let lastPhase = '';
  let lastTenth = -1;
  let drawn = false;
  return {
    update(progress) {
      if (io.interactive) {
        io.stderr(`\r\x1b[K${progressLine(progress)}`);
        drawn = true;
        return;
      }
      const tenth = progress.total ? Math.floor((10 * progress.done) / progress.total) : 0;
      if (progress.phase !== lastPhase || tenth > lastTenth) io.stderr(`${progressLine(progress)}\n`);
      if (progress.phase !== lastPhase) lastTenth = -1;
      lastPhase = progress.phase;
      lastTenth = Math.max(lastTenth, tenth);
    },
    end() {
      if (drawn) io.stderr('\r\x1b[K');
    },
  };
}

/** A fixed-width text table for terminal output. */
export function table(rows: Array<Array<string | number>>): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, String(cell).length)));
  return rows.map((row) => row.map((cell, i) => String(cell).padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}
