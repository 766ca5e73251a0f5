import { session } from '../session.svelte';

/**
 * The reader as the viewer of a call that shows an image's labels or the model's output: under a blind
 * protocol the server holds back what this reader has not graded yet (on a team server it uses the
 * signed-in person whatever the call says).
 */
export const asViewer = (): { readerId?: number } => (session.reader ? { readerId: session.reader.id } : {});
