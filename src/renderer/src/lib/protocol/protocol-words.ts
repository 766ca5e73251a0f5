/**
 * The grading protocol in words, as the protocol settings dialog shows it: the names of its choices, a
 * plain-language summary of what a protocol does, and what saving one did to the final labels.
 */
import {
  RULE_WORDS,
  type ArbitrationPolicy,
  type GradingProtocol,
  type ProtocolChange,
  type ProtocolKind,
  type QueueOrder,
} from '../../../../shared/protocols';
import { formatCount, plural } from '../format';

export const KIND_WORDS: Record<ProtocolKind, { name: string; detail: string }> = {
  single: { name: 'Single', detail: 'one grader per image; whoever grades sets the label' },
  'double-blind': { name: 'Double blind', detail: 'several graders per image, blind to each other and to the model' },
  'double-adjudicated': { name: 'Double with adjudication', detail: 'double blind, and disagreements go to an adjudicator by rule' },
};

export const POLICY_WORDS: Record<ArbitrationPolicy, string> = {
  adjudicator: "the adjudicator's decision",
  majority: 'the majority grade',
  'most-severe': 'the most severe grade',
};

export const QUEUE_ORDER_WORDS: Record<QueueOrder, string> = {
  random: 'random, shuffled for each person (against order bias)',
  file: 'file order',
};

/** What happens when the graders of an image differ and nothing referred it. */
const WHEN_THEY_DIFFER: Record<ArbitrationPolicy, string> = {
  adjudicator: 'an adjudicator decides',
  majority: 'the grade most of them gave is final, and an image without a majority goes to an adjudicator',
  'most-severe': 'the most severe of their grades is final',
};

function queueSentence(protocol: GradingProtocol): string {
  const owed = protocol.kind === 'single' ? 'the images still unlabelled' : 'the images they still owe';
  return protocol.queueOrder === 'random'
    ? `Each person's work queue lists ${owed}, shuffled for them against order bias.`
    : `Each person's work queue lists ${owed}, in file order.`;
}

/** What the protocol does, in a few sentences a clinician reads before saving it. */
export function protocolSummary(protocol: GradingProtocol): string {
  if (protocol.kind === 'single') {
    return `Each image is graded once: whoever grades it sets its label, and graders see the current label and the model's output. ${queueSentence(protocol)}`;
  }
  const graders = plural(protocol.graders, 'grader');
  const sentences = [`Each image is graded by ${graders} who do not see each other's grades or the model's output until they have graded.`];
  const adjudicated = protocol.kind === 'double-adjudicated';
  if (adjudicated) {
    sentences.push(
      protocol.refer.length > 0
        ? `An image is referred to an adjudicator on any of: ${protocol.refer.map((rule) => RULE_WORDS[rule]).join('; ')}.`
        : 'No referral rule is chosen: only the policy below sends an image to an adjudicator.',
    );
  }
  const differ = adjudicated && protocol.refer.length > 0 ? 'when they differ otherwise' : 'when they differ';
  sentences.push(`Once the ${formatCount(protocol.graders)} grades are in, an image they agree on takes their grade as its final label; ${differ}, ${WHEN_THEY_DIFFER[protocol.policy]}.`);
  const ungradableReferred = adjudicated && protocol.refer.some((rule) => rule === 'ungradable-vs-graded' || rule === 'any-difference');
  if (!ungradableReferred) sentences.push('An image one grader calls ungradable and another grades always goes to an adjudicator.');
  sentences.push(queueSentence(protocol));
  return sentences.join(' ');
}

/** What saving a protocol did to the final labels of the images already graded. */
export function resettledSentence({ changed, withdrawn, referred }: ProtocolChange['finalLabels']): string {
  if (changed + withdrawn + referred === 0) return 'No final label changed.';
  return `${plural(changed, 'final label')} changed, ${formatCount(withdrawn)} withdrawn, ${plural(referred, 'image')} newly referred for adjudication.`;
}
