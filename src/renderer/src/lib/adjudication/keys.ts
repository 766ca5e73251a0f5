/** What a key does in the Adjudication view: a digit decides, Ctrl+Z undoes the last decision, arrows move. */
export type AdjudicationKey = { kind: 'decide'; digit: number } | { kind: 'undo' } | { kind: 'move'; delta: -1 | 1 } | null;

export function adjudicationKey(event: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean }): AdjudicationKey {
  const modified = event.ctrlKey || event.metaKey;
  if (modified && event.key.toLowerCase() === 'z') return { kind: 'undo' };
  if (modified || event.altKey) return null;
  if (/^[0-9]$/.test(event.key)) return { kind: 'decide', digit: Number(event.key) };
  if (event.key === 'ArrowRight' || event.key === 'ArrowDown') return { kind: 'move', delta: 1 };
  if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') return { kind: 'move', delta: -1 };
  return null;
}
