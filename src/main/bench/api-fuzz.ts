// A seeded fuzzer of the api contract over browser mode's HTTP bridge. Every method of `api` is fuzzed
// (a method added to the contract is fuzzed with no change here), with payloads generated from its
// zod request schema (as JSON Schema) and then mutated: wrong types, missing and unknown fields, huge
// strings, hostile numbers, unicode, prototype-pollution keys, deep nesting, and ids that exist or not.
// What counts as a defect: a 500, an answer that is not an ApiResult, an error message carrying a
// stack trace, and a request (or a job it started) that does not end within its bound.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { api, type Method } from '../../shared/api';
import { createRandom, type Random } from '../util/random';

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  format?: string;
}

/** A piece of JSON text written as it is: numbers JSON.stringify cannot write (1e999), deep nesting. */
class RawJson {
  constructor(readonly text: string) {}
}

/** The ids a payload may name: those of the data directory, by kind, and ids that name nothing. */
export interface IdPool {
  project: number[];
  image: number[];
  reader: number[];
  event: number[];
  model: number[];
  job: string[];
}

export interface FuzzOptions {
  /** The bridge's origin, e.g. http://127.0.0.1:41234, and its token. */
  origin: string;
  token: string;
  seed: number;
  perMethod: number;
  /** A request not answered within this many milliseconds is a hang. */
  requestTimeoutMs: number;
  /** A job a fuzzed call started that has not ended this long after it was cancelled is a hang. */
  jobTimeoutMs: number;
  /** Jobs each method may start (each is cancelled at once); after that its payloads name no existing ids. */
  jobsPerMethod: number;
  /** The longest strings and arrays a payload holds (the bridge takes bodies up to 1 MB). */
  maxStringLength: number;
  maxArrayLength: number;
  methods?: readonly Method[];
  /**
   * Strings sent where a call takes a path (an import folder, a label file, an export folder) are kept
   * inside this folder, hostile characters and all, so that a fuzzed export never writes elsewhere.
   */
  pathSandbox: string;
  onMethod?: (method: Method, done: number, total: number) => void;
}

export interface FuzzFailure {
  method: string;
  kind: 'server-error' | 'hang' | 'not-an-api-result' | 'job-hang' | 'stack-trace';
  status?: number;
  detail: string;
  /** The body sent (cut at 300 characters). */
  payload: string;
}

export interface FuzzReport {
  tried: number;
  byMethod: Record<string, { tried: number; ok: number; statuses: Record<string, number>; seconds: number }>;
  jobsStarted: number;
  serverErrors: number;
  hangs: number;
  failures: FuzzFailure[];
  /** The five slowest answers. */
  slowest: Array<{ method: string; ms: number; payload: string }>;
  seconds: number;
}

/** Every method of the contract, read from the contract itself. */
export const contractMethods = (): Method[] => Object.keys(api) as Method[];

/** Deleting methods go last, so that the others meet the data (a trained model) they would remove. */
const fuzzOrder = (methods: readonly Method[]): Method[] =>
  [...methods].sort((a, b) => Number(a.endsWith('.delete')) - Number(b.endsWith('.delete')));

const PATH_KEYS = new Set(['dir', 'folder', 'labelsFile', 'path', 'file', 'location']);

const requestSchema = (method: Method): JsonSchema => z.toJSONSchema(api[method].request, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

const HOSTILE_STRINGS = [
  '', ' ', '\u0000', 'null', 'undefined', 'NaN', '-1', '0', '1e999', 'true', '[]', '{}', '__proto__', 'constructor',
  "' OR 1=1 --", '"; DROP TABLE images; --', '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '../../../../etc/passwd',
  '..\\..\\windows\\win.ini', 'C:\\', 'file:///etc/passwd', '%2e%2e%2f', '%00', '\r\n\r\n', '\t', '\u202eRTL', '\ud800', '\udfff',
  '😀👩‍⚕️🏥', 'ｆｕｌｌｗｉｄｔｈ', 'Zalgo z̸̢̛a̷l̴g̸o̵', '\u200b\u200d\ufeff', 'ǅ ß İ ı', '日本語の患者', 'مريض', '=cmd|\' /C calc\'!A0',
  '${jndi:ldap://x}', '{{7*7}}', '%s%s%s%n', '\\', '/', '.', '..', '~', '*', '?', 'a'.repeat(257),
];
const HOSTILE_NUMBERS: Array<number | RawJson> = [
  -1, 0, -0, 0.5, 1.5, -1.5, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 63, 1e308, 5e-324,
  Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, new RawJson('1e999'), new RawJson('-1e999'), new RawJson('1e-999'), new RawJson('123456789012345678901234567890'),
];
const UNKNOWN_KEYS = ['extra', 'id', 'admin', 'path', 'sql', 'toString', 'valueOf', 'hasOwnProperty'];

/** Generates one method's payloads; `ids` is consulted on each draw, so it may change between payloads. */
class PayloadMaker {
  constructor(
    private readonly random: Random,
    private readonly ids: () => IdPool & { missingOnly: boolean },
    private readonly limits: { maxStringLength: number; maxArrayLength: number; pathSandbox: string },
  ) {}

  /** The request body as JSON text (or not JSON at all, now and then). */
  body(schema: JsonSchema): string {
    const roll = this.random.next();
    if (roll < 0.3) return serialise(this.confinePaths(this.valid(schema, '')));
    if (roll < 0.36) return this.random.pick(['', 'null', '[]', '"text"', '0', 'true', '{', '{"a":', 'not json', '{}{}', '\u0000', '[{}]', '{"__proto__":null}']);
    let payload = this.valid(schema, '');
    const mutations = this.random.int(1, 3);
    for (let i = 0; i < mutations; i++) payload = this.mutate(payload, schema);
    return serialise(this.confinePaths(payload));
  }

  /** Path fields as names inside the sandbox: separators become underscores, so `..` and `/` stay in. */
  private confinePaths(payload: unknown): unknown {
    if (!isObject(payload)) return payload;
    const confined: Record<string, unknown> = {};
    for (const key of Object.keys(payload)) {
      const value = payload[key];
      const inside = PATH_KEYS.has(key) && typeof value === 'string' ? path.join(this.limits.pathSandbox, `p${value.replace(/[\\/]/g, '_')}`) : this.confinePaths(value);
      Object.defineProperty(confined, key, { value: inside, enumerable: true, configurable: true, writable: true });
    }
    return confined;
  }

  /** A value the schema accepts, apart from ids, which may name nothing. */
  valid(schema: JsonSchema, key: string): unknown {
    const random = this.random;
    if (schema.anyOf) return this.valid(random.pick(schema.anyOf), key);
    if ('const' in schema) return schema.const;
    if (schema.enum) return random.pick(schema.enum);
    switch (schema.type) {
      case 'object': {
        const object: Record<string, unknown> = {};
        for (const [name, property] of Object.entries(schema.properties ?? {})) {
          if (schema.required?.includes(name) || random.chance(0.5)) object[name] = this.valid(property, name);
        }
        return object;
      }
      case 'array': {
        const min = schema.minItems ?? 0;
        const max = Math.min(schema.maxItems ?? 8, min + 8);
        return Array.from({ length: random.int(min, max) }, () => this.valid(schema.items ?? {}, key.replace(/s$/, '')));
      }
      case 'string': {
        if (schema.format === 'uuid') return this.jobId();
        const min = schema.minLength ?? 0;
        const max = Math.min(schema.maxLength ?? 40, Math.max(min, 40));
        const text = random.chance(0.3) ? random.pick(HOSTILE_STRINGS) : randomText(random, random.int(min, max));
        return text.length >= min && text.length <= (schema.maxLength ?? Infinity) && text.trim().length >= min ? text : 'x'.repeat(Math.max(1, min));
      }
      case 'integer':
      case 'number': {
        const id = this.id(key);
        if (id !== null) return id;
        const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (schema.type === 'integer' ? 1 : 1e-6) : -1000);
        const high = Math.min(schema.maximum ?? (schema.exclusiveMaximum ?? 1000), low + 1000);
        return schema.type === 'integer' ? random.int(Math.ceil(low), Math.floor(high)) : random.range(low, high);
      }
      case 'boolean':
        return random.chance(0.5);
      case 'null':
        return null;
      default:
        return null;
    }
  }

  /** An id of the kind a field names (projectId, imageIds, ...): one of the data directory's, or one that names nothing. */
  private id(key: string): number | null {
    const kind = /^(project|image|reader|event|model)Ids?$/.exec(key)?.[1] as keyof Omit<IdPool, 'job'> | undefined;
    if (!kind) return null;
    const pool = this.ids();
    const existing = pool[kind];
    if (!pool.missingOnly && existing.length && this.random.chance(0.75)) return this.random.pick(existing);
    return this.random.pick([999_999, 2 ** 31 - 1, Number.MAX_SAFE_INTEGER, Math.max(0, ...existing) + this.random.int(1, 50)]);
  }

  private jobId(): string {
    const { job, missingOnly } = this.ids();
    if (!missingOnly && job.length && this.random.chance(0.6)) return this.random.pick(job);
    return this.random.chance(0.5) ? randomUUID() : '00000000-0000-0000-0000-000000000000';
  }

  private mutate(payload: unknown, schema: JsonSchema): unknown {
    const random = this.random;
    if (!isObject(payload)) return this.hostileValue();
    const copy: Record<string, unknown> = { ...payload };
    const keys = Object.keys(copy);
    const key = keys.length ? random.pick(keys) : null;
    switch (random.int(0, 8)) {
      case 0: // a field of the wrong type (or a hostile value of any type)
        if (key) copy[key] = this.hostileValue();
        return copy;
      case 1: // a required field left out
        if (key) delete copy[key];
        return copy;
      case 2: // an unknown field
        copy[random.pick(UNKNOWN_KEYS)] = this.hostileValue();
        return copy;
      case 3: // prototype pollution: own keys named __proto__, constructor, prototype
        return withPollution(copy, random);
      case 4: // a huge string
        if (key) copy[key] = randomText(random, random.int(1000, this.limits.maxStringLength));
        return copy;
      case 5: // a hostile number where a number (or anything) goes
        if (key) copy[key] = random.pick(HOSTILE_NUMBERS);
        return copy;
      case 6: // deep nesting
        if (key) copy[key] = deeplyNested(random, random.int(100, 5000));
        return copy;
      case 7: // a long array of ids, or of junk
        if (key) {
          const length = random.int(100, this.limits.maxArrayLength);
          const item = schema.properties?.[key]?.items;
          copy[key] = Array.from({ length }, () => (item && random.chance(0.8) ? this.valid(item, key.replace(/s$/, '')) : this.hostileValue()));
        }
        return copy;
      default: // a nested object mutated in turn (training options, view filters)
        if (key && isObject(copy[key])) copy[key] = this.mutate(copy[key], schema.properties?.[key] ?? {});
        else if (key) copy[key] = this.hostileValue();
        return copy;
    }
  }

  private hostileValue(): unknown {
    const random = this.random;
    switch (random.int(0, 6)) {
      case 0:
        return random.pick(HOSTILE_STRINGS);
      case 1:
        return random.pick(HOSTILE_NUMBERS);
      case 2:
        return random.pick([true, false, null]);
      case 3:
        return random.pick([[], [null], [1, 'a'], [[]], [{}]]);
      case 4:
        return random.pick([{}, { a: 1 }, { length: 1e9 }, { then: 'x' }]);
      case 5:
        return this.id(random.pick(['projectId', 'imageId', 'readerId', 'eventId', 'modelId']));
      default:
        return randomText(random, random.int(0, 64));
    }
  }
}

/** A plain object (a JSON object), not an array nor a RawJson piece. */
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && [Object.prototype, null].includes(Object.getPrototypeOf(value));

function withPollution(payload: Record<string, unknown>, random: Random): Record<string, unknown> {
  const polluted = { ...payload };
  const key = random.pick(['__proto__', 'constructor', 'prototype']);
  const value = random.pick([{ isAdmin: true, polluted: 'yes' }, { prototype: { polluted: 'yes' } }, null, 'x']);
  // An own property, as JSON.parse makes it on the server (an assignment would set the prototype).
  Object.defineProperty(polluted, key, { value, enumerable: true, configurable: true, writable: true });
  return polluted;
}

function deeplyNested(random: Random, depth: number): RawJson {
  return random.chance(0.5) ? new RawJson('['.repeat(depth) + ']'.repeat(depth)) : new RawJson('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
}

const ALPHABET = 'abcXYZ019 _-.,;:/\\\'"`<>&%$#@!?=+*()[]{}|~^\t\n\u00e9\u00df\u4e2d\u0627\u200b\ud83d\ude00\u0000';
function randomText(random: Random, length: number): string {
  const chars = [...ALPHABET];
  if (length > 2000) return random.pick(chars).repeat(length);
  let text = '';
  for (let i = 0; i < length; i++) text += random.pick(chars);
  return text;
}

/** JSON text of a payload, writing RawJson pieces as they are and own `__proto__` keys as keys. */
function serialise(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(serialise).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).map((key) => `${JSON.stringify(key)}:${serialise(value[key])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

interface Answer {
  status: number;
  body: unknown;
}

/** Runs the fuzz; resolves with what it found (it does not throw for what the server does). */
export async function fuzzApi(options: FuzzOptions): Promise<FuzzReport> {
  const start = performance.now();
  const random = createRandom(options.seed);
  const methods = fuzzOrder(options.methods ?? contractMethods());
  const report: FuzzReport = { tried: 0, byMethod: {}, jobsStarted: 0, serverErrors: 0, hangs: 0, failures: [], slowest: [], seconds: 0 };
  const timedAnswer = (method: string, ms: number, payload: string) => {
    if (report.slowest.length === 5 && ms <= report.slowest[4]!.ms) return;
    report.slowest = [...report.slowest, { method, ms, payload: payload.slice(0, 120) }].sort((a, b) => b.ms - a.ms).slice(0, 5);
  };
  const fail = (failure: FuzzFailure) => {
    report.failures.push({ ...failure, payload: failure.payload.slice(0, 300) });
    if (failure.kind === 'server-error') report.serverErrors++;
    if (failure.kind === 'hang' || failure.kind === 'job-hang') report.hangs++;
  };

  const send = async (method: string, body: string): Promise<Answer | 'hang' | 'unreachable'> => {
    try {
      const response = await fetch(`${options.origin}/api/${encodeURIComponent(method)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
        body,
        signal: AbortSignal.timeout(options.requestTimeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // left as text: not an ApiResult
      }
      return { status: response.status, body: parsed };
    } catch (error) {
      return (error as Error).name === 'TimeoutError' ? 'hang' : 'unreachable';
    }
  };
  const call = async <T>(method: Method, request: unknown): Promise<T> => {
    const answer = await send(method, JSON.stringify(request));
    if (typeof answer === 'string' || !isObject(answer.body) || answer.body.ok !== true) {
      throw new Error(`The fuzzer's own ${method} call failed: ${JSON.stringify(typeof answer === 'string' ? answer : answer.body).slice(0, 200)}`);
    }
    return answer.body.value as T;
  };

  const ids: IdPool = { project: [], image: [], reader: [], event: [], model: [], job: [] };
  const refreshIds = async () => {
    const projects = await call<Array<{ id: number; stats: { images: number } }>>('projects.list', {});
    ids.project = projects.map((p) => p.id);
    ids.reader = (await call<Array<{ id: number }>>('readers.list', {})).map((r) => r.id);
    ids.image = [];
    ids.model = [];
    // Fuzzed calls create projects too: look for images in the ones that have some.
    const withImages = projects.filter((p) => p.stats.images > 0).map((p) => p.id);
    for (const projectId of withImages.slice(0, 5)) {
      const page = await call<{ rows: Array<{ id: number }> }>('images.page', { projectId, offset: 0, limit: 50 });
      ids.image.push(...page.rows.map((row) => row.id));
      ids.model.push(...(await call<Array<{ id: number }>>('models.list', { projectId })).map((m) => m.id));
    }
    ids.event = [];
    for (const imageId of ids.image.slice(0, 10)) ids.event.push(...(await call<Array<{ id: number }>>('labels.history', { imageId })).map((e) => e.id));
    ids.job = (await call<Array<{ id: string }>>('jobs.list', {})).map((j) => j.id);
  };

  /** Cancels a job a fuzzed call started and waits for it to end. */
  const stopJob = async (method: Method, jobId: string, payload: string) => {
    report.jobsStarted++;
    await send('jobs.cancel', JSON.stringify({ jobId }));
    const deadline = performance.now() + options.jobTimeoutMs;
    while (performance.now() < deadline) {
      const jobs = await call<Array<{ id: string; state: string }>>('jobs.list', {});
      if (jobs.find((job) => job.id === jobId)?.state !== 'running') return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    fail({ method, kind: 'job-hang', detail: `job ${jobId} still running ${options.jobTimeoutMs} ms after it was cancelled`, payload });
  };

  for (const [index, method] of methods.entries()) {
    await refreshIds();
    const stats = { tried: 0, ok: 0, statuses: {} as Record<string, number>, seconds: 0 };
    const methodStart = performance.now();
    report.byMethod[method] = stats;
    let jobsStarted = 0;
    const maker = new PayloadMaker(random.fork(), () => ({ ...ids, missingOnly: jobsStarted >= options.jobsPerMethod }), options);
    const schema = requestSchema(method);
    for (let i = 0; i < options.perMethod; i++) {
      const payload = maker.body(schema);
      const sent = performance.now();
      const answer = await send(method, payload);
      timedAnswer(method, performance.now() - sent, payload);
      report.tried++;
      stats.tried++;
      if (answer === 'hang' || answer === 'unreachable') {
        stats.statuses[answer] = (stats.statuses[answer] ?? 0) + 1;
        fail({ method, kind: 'hang', detail: answer === 'hang' ? `no answer within ${options.requestTimeoutMs} ms` : 'the server did not answer at all', payload });
        continue;
      }
      stats.statuses[answer.status] = (stats.statuses[answer.status] ?? 0) + 1;
      if (answer.status >= 500 && answer.status !== 501) fail({ method, kind: 'server-error', status: answer.status, detail: JSON.stringify(answer.body).slice(0, 300), payload });
      if (!isApiResult(answer.body)) {
        fail({ method, kind: 'not-an-api-result', status: answer.status, detail: String(answer.body).slice(0, 300), payload });
        continue;
      }
      if (!answer.body.ok) {
        if (/\n\s+at /.test(answer.body.error.message)) fail({ method, kind: 'stack-trace', status: answer.status, detail: answer.body.error.message.slice(0, 300), payload });
        continue;
      }
      stats.ok++;
      for (const jobId of runningJobs(answer.body.value)) {
        jobsStarted++;
        await stopJob(method, jobId, payload);
      }
    }
    stats.seconds = (performance.now() - methodStart) / 1000;
    options.onMethod?.(method, index + 1, methods.length);
  }
  report.seconds = (performance.now() - start) / 1000;
  return report;
}

function isApiResult(body: unknown): body is { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } } {
  if (!isObject(body)) return false;
  if (body.ok === true) return 'value' in body;
  return body.ok === false && isObject(body.error) && typeof body.error.code === 'string' && typeof body.error.message === 'string';
}

/** The running jobs an answer reports: a JobSnapshot, or one under `job`. */
function runningJobs(value: unknown): string[] {
  const candidates = [value, isObject(value) ? value.job : null];
  return candidates.filter((c): c is { id: string; state: string } => isObject(c) && typeof c.id === 'string' && c.state === 'running' && 'kind' in c).map((c) => c.id);
}
