/**
 * The People view's state: the data directory's people, and what the last action did or why the server
 * refused it. The dialogs make their own calls (their refusals stay beside the input they keep) and then
 * `changed` reloads the list; the table's one-click actions go through `act`.
 */
import type { Person, PersonActivity } from '../../../../shared/people';
import { call, errorSentence } from '../api';

export class PeopleList {
  people = $state<PersonActivity[]>([]);
  loaded = $state(false);
  /** The server's refusal of the last action, in its words. */
  problem = $state('');
  /** What the last action did, in words. */
  notice = $state('');

  async load(): Promise<void> {
    try {
      this.people = await call('people.list', {});
      this.loaded = true;
    } catch (error) {
      this.problem = `The people here could not be listed: ${errorSentence(error)}`;
    }
  }

  /** After a dialog's change: says what it did and lists the people again. */
  async changed(notice: string): Promise<void> {
    this.problem = '';
    this.notice = notice;
    await this.load();
  }

  async disable(person: Person): Promise<void> {
    await this.#act(`${person.name} could not be disabled`, async () => {
      const disabled = await call('people.disable', { name: person.name });
      return `Disabled ${disabled.name}: they can no longer sign in, and their sessions have ended. Their grades stay theirs.`;
    });
  }

  async signOutEverywhere(person: Person): Promise<void> {
    await this.#act(`${person.name} could not be signed out`, async () => {
      const { ended } = await call('people.revokeSessions', { name: person.name });
      return `Signed ${person.name} out everywhere: ${ended === 1 ? '1 session or link' : `${ended} sessions and links`} ended. They may sign in again.`;
    });
  }

  async #act(what: string, work: () => Promise<string>): Promise<void> {
    this.problem = '';
    this.notice = '';
    try {
      this.notice = await work();
    } catch (error) {
      this.problem = `${what}: ${errorSentence(error)}`;
    }
    await this.load();
  }
}
