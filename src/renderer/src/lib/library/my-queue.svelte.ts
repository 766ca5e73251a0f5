/**
 * The Library's way into "Grade my queue": under a double protocol, how many images the reader still owes.
 * The protocol is read when the Library opens, when the reader changes and when a project changes; the
 * count again after grades and flags (once a burst of them is over).
 *
 * Create one while a component initialises: its effects live as long as that component.
 */
import { untrack } from 'svelte';
import { isDoubleProtocol } from '../../../../shared/protocols';
import { call, on } from '../api';
import { debounce } from '../debounce';
import { openMyQueue, session } from '../session.svelte';

const SETTLE_MS = 120;

export class MyQueue {
  /** The images the reader owes; null where there is no queue to offer (single grading, no reader) or not known yet. */
  owed = $state<number | null>(null);
  #double = false;
  /** A change in the burst may have changed the protocol: read it again, not only the count. */
  #protocolChanged = false;

  constructor(private readonly projectId: number) {
    $effect(() => {
      void session.reader;
      untrack(() => void this.#load());
    });
    $effect(() =>
      untrack(() => {
        const refresh = debounce(() => {
          const again = this.#protocolChanged;
          this.#protocolChanged = false;
          void (again ? this.#load() : this.#double && this.#count());
        }, SETTLE_MS);
        const stop = on('data.changed', (change) => {
          if (change.projectId !== null && change.projectId !== projectId) return;
          if (change.what === 'projects') this.#protocolChanged = true;
          refresh();
        });
        return () => {
          stop();
          refresh.cancel();
        };
      }),
    );
  }

  /** Q or the button: Review at the first owed image. False when there is no queue to open. */
  open(): boolean {
    if (this.owed === null) return false;
    openMyQueue();
    return true;
  }

  async #load(): Promise<void> {
    try {
      this.#double = isDoubleProtocol(await call('protocol.get', { projectId: this.projectId }));
    } catch {
      this.#double = false; // Without the protocol the Library goes on as under single grading.
    }
    await this.#count();
  }

  async #count(): Promise<void> {
    const reader = session.reader;
    if (!this.#double || !reader) return void (this.owed = null);
    try {
      this.owed = (await call('queue.next', { projectId: this.projectId, readerId: reader.id })).owed;
    } catch {
      this.owed = null;
    }
  }
}
