/**
 * Grading protocols of a project. `single`: whoever grades sets the image's label (Gradedesk's original
 * behaviour, the default). `double-blind`: N graders grade each image without seeing each other's grades or
 * the model's output; the final label follows the arbitration policy once the N grades are in.
 * `double-adjudicated`: as double-blind, and disagreements that meet a referral rule go to an adjudicator.
 */
import { REFERABLE_GRADE, type LabelValue, type ViewPosition } from './domain';

export const PROTOCOL_KINDS = ['single', 'double-blind', 'double-adjudicated'] as const;
export type ProtocolKind = (typeof PROTOCOL_KINDS)[number];

/** What refers a disagreement to the adjudicator (double-adjudicated). */
export const REFERRAL_RULES = ['difference-2', 'referable-line', 'ungradable-vs-graded', 'any-difference'] as const;
export type ReferralRule = (typeof REFERRAL_RULES)[number];
/** The rules a double-adjudicated protocol refers by when none are named. */
export const DEFAULT_REFERRAL_RULES: readonly ReferralRule[] = ['difference-2', 'referable-line', 'ungradable-vs-graded'];

/** How the final label is found among the graders' grades when they differ and no rule referred the image. */
export const ARBITRATION_POLICIES = ['adjudicator', 'majority', 'most-severe'] as const;
export type ArbitrationPolicy = (typeof ARBITRATION_POLICIES)[number];
/** The policy a double protocol gets when none is named: the adjudicator's where there is adjudication, else majority. */
export const defaultPolicy = (kind: ProtocolKind): ArbitrationPolicy => (kind === 'double-adjudicated' ? 'adjudicator' : 'majority');

/** The order of a person's work queue: shuffled per person (against order bias), or the files' order. */
export const QUEUE_ORDERS = ['random', 'file'] as const;
export type QueueOrder = (typeof QUEUE_ORDERS)[number];

export const MAX_GRADERS = 10;

/** Why a multilabel project cannot be graded double (the server's refusal, and the settings dialog's note). */
export const MULTILABEL_KEEPS_SINGLE = 'Double grading is for one grade or class per image; a multilabel project keeps the single protocol.';

export interface GradingProtocol {
  kind: ProtocolKind;
  /** Graders per image (1 under `single`). */
  graders: number;
  refer: ReferralRule[];
  policy: ArbitrationPolicy;
  queueOrder: QueueOrder;
}

export const SINGLE_PROTOCOL: GradingProtocol = { kind: 'single', graders: 1, refer: [], policy: 'adjudicator', queueOrder: 'random' };

export const isDoubleProtocol = (protocol: GradingProtocol) => protocol.kind !== 'single';

export const RULE_WORDS: Record<ReferralRule | 'no-majority' | 'adjudicator-policy', string> = {
  'difference-2': 'grades two or more steps apart',
  'referable-line': `one grade referable (≥ ${REFERABLE_GRADE}), another not`,
  'ungradable-vs-graded': 'ungradable for one grader, graded by another',
  'any-difference': 'the grades differ',
  'no-majority': 'no majority among the grades',
  'adjudicator-policy': "the grades differ and the policy is the adjudicator's",
};
export type ReferralReason = keyof typeof RULE_WORDS;

/** One grader's standing call on an image: a grade, or ungradable. */
export type GraderCall = { value: LabelValue } | { ungradable: true };

/** Where an image stands under a double protocol once its grades are counted. */
export type ProtocolOutcome =
  | { kind: 'pending'; graded: number }
  | { kind: 'referred'; reason: ReferralReason }
  | { kind: 'final'; value: LabelValue | null; by: 'agreement' | 'majority' | 'most-severe' };

const severity = (value: LabelValue): number => (typeof value === 'number' ? value : value.length);
const key = (value: LabelValue) => JSON.stringify(value);

/** The referral rule an image meets, the first in the protocol's order; null when none does. */
export function referralRule(rules: readonly ReferralRule[], calls: readonly GraderCall[]): ReferralRule | null {
  const graded = calls.flatMap((call) => ('value' in call ? [call.value] : []));
  const ungradable = calls.length - graded.length;
  const numbers = graded.filter((value): value is number => typeof value === 'number');
  for (const rule of rules) {
    if (rule === 'ungradable-vs-graded' && ungradable > 0 && graded.length > 0) return rule;
    if (rule === 'any-difference' && (new Set(graded.map(key)).size > 1 || (ungradable > 0 && graded.length > 0))) return rule;
    if (numbers.length < 2) continue;
    const low = Math.min(...numbers);
    const high = Math.max(...numbers);
    if (rule === 'difference-2' && high - low >= 2) return rule;
    if (rule === 'referable-line' && low < REFERABLE_GRADE && high >= REFERABLE_GRADE) return rule;
  }
  return null;
}

/**
 * The outcome of an image's grader calls under a double protocol: pending until `graders` calls are in;
 * referred when a referral rule (double-adjudicated) or the policy sends it to the adjudicator; otherwise
 * the final label (null when every grader found it ungradable).
 */
export function protocolOutcome(protocol: GradingProtocol, calls: readonly GraderCall[]): ProtocolOutcome {
  if (calls.length < protocol.graders) return { kind: 'pending', graded: calls.length };
  if (protocol.kind === 'double-adjudicated') {
    const rule = referralRule(protocol.refer, calls);
    if (rule) return { kind: 'referred', reason: rule };
  }
  const graded = calls.flatMap((call) => ('value' in call ? [call.value] : []));
  if (graded.length === 0) return { kind: 'final', value: null, by: 'agreement' };
  if (graded.length < calls.length) return { kind: 'referred', reason: 'ungradable-vs-graded' };
  const counts = new Map<string, { value: LabelValue; count: number }>();
  for (const value of graded) counts.set(key(value), { value, count: (counts.get(key(value))?.count ?? 0) + 1 });
  if (counts.size === 1) return { kind: 'final', value: graded[0]!, by: 'agreement' };
  if (protocol.policy === 'most-severe') {
    return { kind: 'final', value: graded.reduce((worst, value) => (severity(value) > severity(worst) ? value : worst)), by: 'most-severe' };
  }
  if (protocol.policy === 'majority') {
    const top = [...counts.values()].sort((a, b) => b.count - a.count);
    return top[0]!.count > graded.length / 2 ? { kind: 'final', value: top[0]!.value, by: 'majority' } : { kind: 'referred', reason: 'no-majority' };
  }
  return { kind: 'referred', reason: 'adjudicator-policy' };
}

/**
 * A protocol set, and what it did to the images graders had already graded: each was settled again under the
 * new protocol, every change an event of its own in the history (an adjudicator's decision stands).
 */
export interface ProtocolChange {
  protocol: GradingProtocol;
  finalLabels: {
    /** Images given a final label, or another one, by the new protocol's policy. */
    changed: number;
    /** Consensus labels that no longer hold: the image now waits for more grades or for the adjudicator. */
    withdrawn: number;
    /** Images that now wait for the adjudicator and did not before. */
    referred: number;
  };
}

/** A person's work queue: the images they still owe, in the protocol's order. */
export interface WorkQueue {
  order: QueueOrder;
  imageIds: number[];
}

/**
 * How far a person is with their work queue: the images they still owe, and those they have graded or called
 * ungradable (under a double protocol their own calls; under `single`, the images anyone has graded).
 */
export interface WorkQueueCounts {
  owed: number;
  graded: number;
}

/**
 * Where an image stands in a person's work queue: what Review's ←/→ move through when it follows "My queue".
 * `index` is -1 when the image is no longer owed (they graded it, or enough other graders did); its neighbours
 * are then the owed images just before and after the place it had in the queue's order, so that Review moves
 * on from it as if it were still there. `total` counts the owed images.
 */
export interface WorkQueuePosition extends ViewPosition {
  order: QueueOrder;
  counts: WorkQueueCounts;
}

/** One grader's call on a referred image, as the adjudicator sees it. */
export interface GraderCallSeen {
  readerName: string;
  /** null when the grader found the image ungradable. */
  value: LabelValue | null;
  ungradable: boolean;
  note: string | null;
  gradedAt: string;
  eventId: number;
}

/** A referred image: each grader's call, the rule that referred it, and the adjudicator's decision once made. */
export interface AdjudicationCase {
  imageId: number;
  fileName: string;
  reason: ReferralReason;
  grades: GraderCallSeen[];
  decision: { value: LabelValue | null; eventId: number } | null;
}
