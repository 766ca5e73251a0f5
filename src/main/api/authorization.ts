import type { Method } from '../../shared/api';
import { forbidden } from '../../shared/errors';
import type { Person } from '../../shared/people';

/**
 * On a team server, what only an admin may call: managing people; anything that reads or writes the
 * server's own files (imports and model bundles are read from there, exports and model exports are
 * written there, backbones are read from there or downloaded); and what changes the project for everyone
 * (new projects, training, which model is active, its referral threshold, deleting a model, cancelling
 * someone's job). Graders grade, read predictions, Grad-CAM, triage and similar cases.
 * test/unit/authorization.test.ts fails when a method naming a path is missing here.
 */
export const ADMIN_ONLY: ReadonlySet<Method> = new Set<Method>([
  'people.list',
  'people.add',
  'people.setRole',
  'people.disable',
  'people.revokeSessions',
  'people.createLink',
  'projects.create',
  'protocol.set',
  'training.start',
  'training.resume',
  'models.activate',
  'models.setReferralThreshold',
  'models.ensemble',
  'jobs.cancel',
  'imports.start',
  'exports.labels',
  'exports.predictions',
  'exports.submission',
  'exports.coco',
  'exports.report',
  'exports.dicom',
  'models.export',
  'models.exportBundle',
  'models.importBundle',
  'models.importOnnx',
  'models.delete',
  'backbones.add',
  'dialogs.pickFolder',
  'dialogs.pickLabelFile',
]);

/**
 * Refuses a team server's call that the signed-in person may not make (a GradedeskError `forbidden`):
 * an admin's call by someone else, or a request naming another reader than the person signed in, so
 * that nobody can grade, undo or write notes as someone else, admins included. Calls of the desktop app,
 * the single-token browser mode and the CLI have no signed-in person and are not checked here.
 */
export function authorize(method: Method, request: unknown, person: Person): void {
  if (ADMIN_ONLY.has(method) && person.role !== 'admin') {
    throw forbidden(`Only an admin may do this (${method}); you are signed in as ${person.name}, ${person.role}.`);
  }
  const { readerId, name } = request as { readerId?: unknown; name?: unknown };
  if (readerId !== undefined && readerId !== person.id) {
    throw forbidden(`You are signed in as ${person.name}; Gradedesk records your work under your own name only.`);
  }
  if (method === 'readers.ensure' && typeof name === 'string' && name.toLowerCase() !== person.name.toLowerCase()) {
    throw forbidden(`You are signed in as ${person.name}; on a team server an admin adds people (gradedesk user add).`);
  }
}
