// onnxruntime-node, loaded on first use: a machine where its native library cannot load still runs
// everything else on tfjs, and `doctor` says why. Sessions run on the fastest execution provider that
// starts here (CUDA, DirectML, CoreML, then the CPU), or on the one GRADEDESK_ONNX_PROVIDER names.
import os from 'node:os';
import { GradedeskError } from '../../../shared/errors';
import type { OnnxProviderState, OnnxRuntimeInfo } from '../../../shared/ml';
import { encodeOnnxModel, ONNX_FLOAT, tensorValue } from './onnx-proto';

type OnnxRuntime = typeof import('onnxruntime-node');
type InferenceSession = import('onnxruntime-node').InferenceSession;

let loading: Promise<OnnxRuntime> | undefined;

export function loadOnnxRuntime(): Promise<OnnxRuntime> {
  loading ??= import('onnxruntime-node').catch((error: unknown) => {
    throw new GradedeskError('unsupported', `ONNX Runtime (onnxruntime-node) cannot load here: ${(error as Error).message}`);
  });
  return loading;
}

/** The environment variable that forces one execution provider. */
export const PROVIDER_VARIABLE = 'GRADEDESK_ONNX_PROVIDER';

/** Execution providers Gradedesk tries, by onnxruntime-node's names, fastest first. */
export const ONNX_PROVIDERS = ['cuda', 'dml', 'coreml', 'cpu'] as const;
export type OnnxProvider = (typeof ONNX_PROVIDERS)[number];

const PROVIDER_NAMES: Record<OnnxProvider, string> = { cuda: 'CUDA', dml: 'DirectML', coreml: 'CoreML', cpu: 'CPU' };

/** The platforms each provider exists on (onnxruntime-node builds DirectML for Windows, CoreML for macOS). */
const PROVIDER_PLATFORMS: Record<OnnxProvider, readonly NodeJS.Platform[]> = {
  cuda: ['linux', 'win32'],
  dml: ['win32'],
  coreml: ['darwin'],
  cpu: ['linux', 'win32', 'darwin', 'freebsd', 'openbsd', 'sunos', 'aix', 'android', 'haiku', 'cygwin', 'netbsd'],
};

export interface ProviderPlan {
  /** Providers to try, in order. */
  candidates: OnnxProvider[];
  /** Providers not tried, and why. */
  skipped: Array<{ provider: OnnxProvider; reason: string }>;
  /** The provider GRADEDESK_ONNX_PROVIDER forces; null when Gradedesk chooses. */
  forced: OnnxProvider | null;
}

/**
 * Which providers to try on this platform with this onnxruntime-node build (`supported`: its
 * listSupportedBackends(), where `bundled: false` means the binaries were not installed).
 */
export function providerPlan(platform: NodeJS.Platform, supported: ReadonlyArray<{ name: string; bundled: boolean }>, forcedName: string | undefined): ProviderPlan {
  const forced = parseForced(forcedName);
  if (forced) return { candidates: [forced], skipped: ONNX_PROVIDERS.filter((p) => p !== forced).map((provider) => ({ provider, reason: `${PROVIDER_VARIABLE}=${forced} forces ${PROVIDER_NAMES[forced]}` })), forced };
  const candidates: OnnxProvider[] = [];
  const skipped: ProviderPlan['skipped'] = [];
  for (const provider of ONNX_PROVIDERS) {
    const known = supported.find((s) => s.name === provider);
    if (provider === 'cpu') candidates.push(provider);
    else if (!PROVIDER_PLATFORMS[provider].includes(platform)) skipped.push({ provider, reason: `not built for ${platform}` });
    else if (!known) skipped.push({ provider, reason: 'this onnxruntime-node build does not include it' });
    else if (!known.bundled) skipped.push({ provider, reason: notInstalledReason(provider) });
    else candidates.push(provider);
  }
  return { candidates, skipped, forced: null };
}

function parseForced(name: string | undefined): OnnxProvider | null {
  const value = name?.trim().toLowerCase();
  if (!value) return null;
  if (value === 'directml') return 'dml';
  if ((ONNX_PROVIDERS as readonly string[]).includes(value)) return value as OnnxProvider;
  throw new GradedeskError('invalid', `${PROVIDER_VARIABLE}=${name} is not an execution provider Gradedesk knows; use one of ${ONNX_PROVIDERS.join(', ')}, or unset it to let Gradedesk choose.`);
}

function notInstalledReason(provider: OnnxProvider): string {
  return provider === 'cuda'
    ? 'its binaries are not installed (reinstall onnxruntime-node with --onnxruntime-node-install=cuda12, and have CUDA 12 and cuDNN 9)'
    : 'its binaries are not installed';
}

/** ONNX Runtime's own error, cut to the sentence that says what failed. */
function providerFailure(provider: OnnxProvider, error: unknown): string {
  const message = (error as Error).message ?? String(error);
  if (/Failed to load (shared )?library|cannot open shared object|LoadLibrary/i.test(message)) return `${notInstalledReason(provider)}: ${message.split('\n')[0]}`;
  if (/backend not found/i.test(message)) return 'this onnxruntime-node build does not include it';
  return message.split('\n')[0]!.slice(0, 300);
}

/** Intra-op threads: one per core this process may use. */
export function onnxThreads(): number {
  return Math.max(1, os.availableParallelism());
}

/** Providers that failed to start in this process, and why: they are not tried again. */
const failed = new Map<OnnxProvider, string>();

export interface OnnxSession {
  session: InferenceSession;
  provider: OnnxProvider;
}

/**
 * A session on the first provider of the plan that starts; a provider that fails falls back to the next
 * (the CPU last). A forced provider that cannot start is an error that says so. Errors about the model
 * itself (what `modelError` makes of an error on a provider) are not a provider's fault and are thrown as they are.
 */
export async function createOnnxSession(
  model: string | Uint8Array,
  modelError: (error: unknown, provider: OnnxProvider) => GradedeskError | null = () => null,
): Promise<OnnxSession> {
  const ort = await loadOnnxRuntime();
  const plan = providerPlan(process.platform, ort.listSupportedBackends(), process.env[PROVIDER_VARIABLE]);
  const reasons: string[] = [];
  for (const provider of plan.candidates) {
    if (failed.has(provider) && !plan.forced) {
      reasons.push(`${PROVIDER_NAMES[provider]}: ${failed.get(provider)!}`);
      continue;
    }
    const options = { executionProviders: [provider], intraOpNumThreads: onnxThreads(), graphOptimizationLevel: 'all' } as const;
    try {
      const session = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
      return { session, provider };
    } catch (error) {
      const aboutModel = modelError(error, provider);
      if (aboutModel) throw aboutModel;
      const reason = providerFailure(provider, error);
      if (provider !== 'cpu') failed.set(provider, reason);
      reasons.push(`${PROVIDER_NAMES[provider]}: ${reason}`);
      if (plan.forced) {
        throw new GradedeskError(
          'unsupported',
          `${PROVIDER_VARIABLE}=${plan.forced} asks ONNX Runtime for the ${PROVIDER_NAMES[plan.forced]} execution provider, which cannot start here: ${reason}. Unset ${PROVIDER_VARIABLE} to let Gradedesk choose.`,
        );
      }
    }
  }
  throw new GradedeskError('unsupported', `ONNX Runtime could not start a session on any execution provider. ${reasons.join('; ')}.`);
}

/** A one-node graph: what doctor starts a session with to learn which provider runs. */
function probeModel(): Uint8Array {
  return encodeOnnxModel({
    irVersion: 8,
    producerName: 'gradedesk',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'probe', node: [{ name: 'relu', opType: 'Relu', input: ['x'], output: ['y'] }], initializer: [], input: [tensorValue('x', ONNX_FLOAT, [1, 4])], output: [tensorValue('y', ONNX_FLOAT, [1, 4])] },
  });
}

export async function onnxRuntimeInfo(): Promise<OnnxRuntimeInfo> {
  let ort: OnnxRuntime;
  try {
    ort = await loadOnnxRuntime();
  } catch (error) {
    return { version: null, provider: null, providers: [], forced: null, threads: null, reason: (error as Error).message };
  }
  const version = ort.env.versions.node ?? null;
  let plan: ProviderPlan;
  try {
    plan = providerPlan(process.platform, ort.listSupportedBackends(), process.env[PROVIDER_VARIABLE]);
  } catch (error) {
    return { version, provider: null, providers: [], forced: null, threads: onnxThreads(), reason: (error as Error).message };
  }
  let provider: OnnxProvider | null = null;
  let reason: string | null = null;
  try {
    const started = await createOnnxSession(probeModel());
    provider = started.provider;
    await started.session.release();
  } catch (error) {
    reason = (error as Error).message;
  }
  const providers = ONNX_PROVIDERS.map((name): OnnxProviderState => {
    const skipped = plan.skipped.find((s) => s.provider === name);
    if (name === provider) return { name, outcome: 'running', reason: null };
    if (skipped) return { name, outcome: 'not tried', reason: skipped.reason };
    if (failed.has(name)) return { name, outcome: 'unavailable', reason: failed.get(name)! };
    if (plan.forced === name && reason) return { name, outcome: 'unavailable', reason };
    return { name, outcome: 'not tried', reason: provider ? `${PROVIDER_NAMES[provider]} runs first` : null };
  });
  return { version, provider, providers, forced: plan.forced, threads: onnxThreads(), reason };
}

export function providerName(provider: string): string {
  return PROVIDER_NAMES[provider as OnnxProvider] ?? provider;
}
