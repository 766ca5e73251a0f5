/**
 * Ctrl+Z can reach Review twice for one keypress: as a key event in the page and as the desktop
 * menu's `edit.undo` command (when the menu item's accelerator fires too). Each key press pairs with
 * at most one menu command arriving close to it, so one press undoes once while two presses still
 * undo twice.
 */
const PAIRING_MS = 600;

export class UndoGuard {
  private unpairedKey: number[] = [];
  private unpairedMenu: number[] = [];

  /** True when this request should undo; false when it is the echo of one already acted on. */
  accept(from: 'key' | 'menu', now = performance.now()): boolean {
    const recent = (times: number[]) => times.filter((time) => now - time < PAIRING_MS);
    this.unpairedKey = recent(this.unpairedKey);
    this.unpairedMenu = recent(this.unpairedMenu);
    const other = from === 'key' ? this.unpairedMenu : this.unpairedKey;
    if (other.length) {
      other.shift();
      return false;
    }
    (from === 'key' ? this.unpairedKey : this.unpairedMenu).push(now);
    return true;
  }
}
