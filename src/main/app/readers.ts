import type { Reader } from '../../shared/domain';
import type { Workspace } from './workspace';
import type { Validated } from './operation';

export function readerOperations({ store }: Workspace) {
  return {
    list: (_request: Validated<'readers.list'>): Reader[] => store.readers.list(),
    /** The reader of this name, created on first use. */
    ensure: ({ name }: Validated<'readers.ensure'>): Reader => store.readers.ensure(name),
  };
}
