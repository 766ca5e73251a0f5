/**
 * Many graders at once on one team server: each signs in over HTTP with their own password and session
 * cookie, then grades random images through `labels.record` (some with a note, some undone at once)
 * as the browser does, with no pause between calls. Every grade the server acknowledged must then be in
 * the history exactly once, under the grader who made it, and nothing else may be there.
 * Used by `npm run bench -- graders` and by its short integration test.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { taskSpecFor, type ImageEvent, type Project } from '../../shared/domain';
import type { ApiResult, ImageChange } from '../../shared/api';
import type { Person } from '../../shared/people';
import { peopleOperations } from '../app/people';
import type { Workspace } from '../app/workspace';
import { createRandom } from '../util/random';

export interface Grader {
  person: Person;
  password: string;
}

export interface GradingTeam {
  project: Project;
  imageIds: number[];
  graders: Grader[];
}

/**
 * A project of `images` small generated JPEGs (noise, so that no two are alike) and `graders` people
 * with passwords, added once through the app operation (each scrypt hash costs a few hundred ms).
 */
export async function prepareGradingTeam(workspace: Workspace, { images, graders }: { images: number; graders: number }): Promise<GradingTeam> {
  const folder = path.join(workspace.dataDir, 'load-images');
  await fs.mkdir(folder, { recursive: true });
  for (let i = 1; i <= images; i++) {
    const noise = { type: 'gaussian' as const, mean: 120, sigma: 40 };
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000', noise } }).jpeg().toFile(path.join(folder, `${i}_${i % 2 ? 'left' : 'right'}.jpeg`));
  }
  const project = workspace.store.projects.create('Load', taskSpecFor('dr-grade'));
  await workspace.startImport({ project, folder }).done;
  const imageIds = workspace.store.images.page(project.task, { projectId: project.id, offset: 0, limit: images }).rows.map((row) => row.id);
  const people = peopleOperations(workspace);
  const team: Grader[] = [];
  for (let i = 1; i <= graders; i++) {
    const password = `grader-${i}-password`;
    team.push({ person: await people.add({ name: `Grader ${i}`, role: 'grader', password }), password });
  }
  return { project, imageIds, graders: team };
}

interface Reply {
  status: number;
  cookie: string | null;
  body: string;
}

/** One grader's browser: its own keep-alive connection, its own cookie, the page's Origin. */
export class GraderClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private cookie = '';

  constructor(
    private readonly origin: string,
    readonly grader: Grader,
  ) {}

  async signIn(): Promise<void> {
    const reply = await this.post('/session/sign-in', { name: this.grader.person.name, password: this.grader.password });
    if (reply.status !== 200 || !reply.cookie) throw new Error(`${this.grader.person.name} could not sign in (${reply.status}): ${reply.body}`);
    this.cookie = reply.cookie;
  }

  async call<T>(method: string, payload: unknown): Promise<{ status: number; result: ApiResult<T> | null }> {
    const reply = await this.post(`/api/${method}`, payload);
    try {
      return { status: reply.status, result: JSON.parse(reply.body) as ApiResult<T> };
    } catch {
      return { status: reply.status, result: null };
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private post(route: string, payload: unknown): Promise<Reply> {
    const url = new URL(route, this.origin);
    const body = JSON.stringify(payload);
    const headers = { 'content-type': 'application/json', origin: this.origin, ...(this.cookie ? { cookie: this.cookie } : {}) };
    return new Promise((resolve, reject) => {
      const request = http.request(url, { method: 'POST', agent: this.agent, headers }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, cookie: response.headers['set-cookie']?.[0]?.split(';')[0] ?? null, body: text }));
      });
      request.on('error', reject);
      request.end(body);
    });
  }
}

/** What the server acknowledged: a grade (or an undo of one) answered 200 with the event it wrote. */
export interface Acknowledged {
  eventId: number;
  grader: string;
  imageId: number;
  /** The grade written; for an undo, the grade it undid. */
  value: number | null;
  note: string | null;
  undoOf: number | null;
}

export interface LoadLog {
  acknowledged: Acknowledged[];
  /** Milliseconds from sending each acknowledged write (grade or undo) to the end of its answer. */
  latenciesMs: number[];
  /** Undos the server refused because another grader had graded the image since (409: expected). */
  conflicts: number;
  /** Any other failure: a status that is not 200 or 409, a result that is not ok, no answer at all. */
  errors: string[];
  seconds: number;
}

export interface LoadOptions {
  team: GradingTeam;
  seconds: number;
  seed: number;
  /** Share of grades that carry a note, and that are undone at once by their grader. */
  noteShare?: number;
  undoShare?: number;
}

/** Signs every grader in over HTTP, in parallel, and answers their clients. */
export async function signInGraders(origin: string, team: GradingTeam): Promise<GraderClient[]> {
  const clients = team.graders.map((grader) => new GraderClient(origin, grader));
  await Promise.all(clients.map((client) => client.signIn()));
  return clients;
}

/** Each client grades without pause until `seconds` have passed; all run at once. */
export async function gradeConcurrently(clients: GraderClient[], options: LoadOptions): Promise<LoadLog> {
  const { team, noteShare = 0.1, undoShare = 0.05 } = options;
  const log: LoadLog = { acknowledged: [], latenciesMs: [], conflicts: 0, errors: [], seconds: 0 };
  const random = createRandom(options.seed);
  const start = performance.now();
  const ends = start + options.seconds * 1000;

  const timedCall = async <T>(client: GraderClient, method: string, payload: unknown) => {
    const sent = performance.now();
    try {
      const answer = await client.call<T>(method, payload);
      if (answer.status === 200 && answer.result?.ok) log.latenciesMs.push(performance.now() - sent);
      return answer;
    } catch (error) {
      log.errors.push(`${method}: no answer (${(error as Error).message})`);
      return null;
    }
  };

  const grade = async (client: GraderClient, draw: ReturnType<typeof createRandom>) => {
    const grader = client.grader.person;
    while (performance.now() < ends) {
      const imageId = draw.pick(team.imageIds);
      const value = draw.int(0, 4);
      const note = draw.chance(noteShare) ? `seen by ${grader.name}, ${draw.int(1, 1_000_000)}` : undefined;
      const answer = await timedCall<ImageChange<ImageEvent>>(client, 'labels.record', { imageId, value, readerId: grader.id, ...(note ? { note } : {}) });
      if (!answer) continue;
      if (answer.status !== 200 || !answer.result?.ok) {
        log.errors.push(`labels.record ${answer.status}: ${answer.result && !answer.result.ok ? answer.result.error.message : 'not an api result'}`);
        continue;
      }
      const event = answer.result.value.event;
      log.acknowledged.push({ eventId: event.id, grader: grader.name, imageId, value, note: note ?? null, undoOf: null });
      if (!draw.chance(undoShare)) continue;
      const undo = await timedCall<ImageEvent>(client, 'labels.undo', { eventId: event.id, readerId: grader.id });
      if (!undo) continue;
      if (undo.status === 409) log.conflicts++;
      else if (undo.status !== 200 || !undo.result?.ok) log.errors.push(`labels.undo ${undo.status}: ${undo.result && !undo.result.ok ? undo.result.error.message : 'not an api result'}`);
      else log.acknowledged.push({ eventId: undo.result.value.id, grader: grader.name, imageId, value, note: null, undoOf: event.id });
    }
  };

  await Promise.all(clients.map((client) => grade(client, random.fork())));
  log.seconds = (performance.now() - start) / 1000;
  return log;
}

export interface IntegrityReport {
  acknowledged: number;
  /** Acknowledged events missing from the history. */
  missing: number[];
  /** Event ids acknowledged more than once (a write stored twice shows as an unacknowledged event). */
  duplicates: number[];
  /** Events in the history whose grader, image, value, note or undo differ from what was acknowledged. */
  wrong: string[];
  /** Events written during the load that nobody was told of. */
  unacknowledged: number[];
  passed: boolean;
}

/** Event ids already in the history of these images (before the load). */
export function eventIdsIn(workspace: Workspace, imageIds: readonly number[]): Set<number> {
  return new Set(imageIds.flatMap((imageId) => workspace.store.labels.history(imageId).map((event) => event.id)));
}

/** Reads the history from the store and holds it against what the server acknowledged. */
export function checkHistory(workspace: Workspace, imageIds: readonly number[], before: ReadonlySet<number>, log: LoadLog): IntegrityReport {
  const written = new Map<number, ImageEvent>();
  for (const imageId of imageIds) {
    for (const event of workspace.store.labels.history(imageId)) if (!before.has(event.id)) written.set(event.id, event);
  }
  const seen = new Set<number>();
  const report: IntegrityReport = { acknowledged: log.acknowledged.length, missing: [], duplicates: [], wrong: [], unacknowledged: [], passed: false };
  for (const ack of log.acknowledged) {
    if (seen.has(ack.eventId)) report.duplicates.push(ack.eventId);
    seen.add(ack.eventId);
    const event = written.get(ack.eventId);
    if (!event) {
      report.missing.push(ack.eventId);
      continue;
    }
    // An undo puts back the value its grade replaced.
    const value = ack.undoOf === null ? ack.value : (written.get(ack.undoOf)?.previousValue ?? null);
    const expected = { kind: 'label', readerName: ack.grader, imageId: ack.imageId, undoOf: ack.undoOf, value };
    const found = { kind: event.kind, readerName: event.readerName, imageId: event.imageId, undoOf: event.undoOf, value: event.value };
    const noteMatches = ack.undoOf !== null || event.note === ack.note;
    if (JSON.stringify(found) !== JSON.stringify(expected) || !noteMatches) {
      report.wrong.push(`event ${ack.eventId}: acknowledged ${JSON.stringify({ ...expected, note: ack.note })}, stored ${JSON.stringify({ ...found, note: event.note })}`);
    }
  }
  for (const id of written.keys()) if (!seen.has(id)) report.unacknowledged.push(id);
  report.passed = report.missing.length + report.duplicates.length + report.wrong.length + report.unacknowledged.length === 0 && report.acknowledged > 0;
  return report;
}

export function describeIntegrity(report: IntegrityReport): string {
  const verdict = report.passed ? 'PASS' : 'FAIL';
  const some = (ids: readonly (number | string)[]) => (ids.length ? ` (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})` : '');
  return (
    `${verdict}: ${report.acknowledged} acknowledged events; ${report.missing.length} missing${some(report.missing)}, ` +
    `${report.duplicates.length} duplicated${some(report.duplicates)}, ${report.wrong.length} stored differently${some(report.wrong)}, ` +
    `${report.unacknowledged.length} written but not acknowledged${some(report.unacknowledged)}`
  );
}
