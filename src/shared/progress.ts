/** Progress of one long piece of work, as every view and the CLI show it. */
export interface Progress {
  phase: string;
  done: number;
  total: number;
  /** Items per second since the phase started; null until there is something to measure. */
  ratePerSecond: number | null;
  etaSeconds: number | null;
  message?: string;
}
