import { positionIn, type Project, type LabelEvent, type LabelValue } from '../../shared/domain';
import { conflict, forbidden, invalid } from '../../shared/errors';
import { sameLabel } from '../../shared/labels';
import {
  DEFAULT_REFERRAL_RULES,
  MULTILABEL_KEEPS_SINGLE,
  defaultPolicy,
  isDoubleProtocol,
  protocolOutcome,
  type GraderCall,
  type GradingProtocol,
  type ProtocolChange,
  type ProtocolOutcome,
  type ReferralReason,
  type ReferralRule,
  type AdjudicationCase,
  type WorkQueue,
  type WorkQueuePosition,
} from '../../shared/protocols';
import type { GraderCallRow } from '../store/protocols';
import type { Store } from '../store';
import { createRandom } from '../util/random';
import { imageChange } from './image-detail';
import type { Validated } from './operation';
import type { Workspace } from './workspace';

/** The origin of an adjudicator's decision; a final label the policy derived has origin `consensus (…)`. */
export const ADJUDICATOR_ORIGIN = 'adjudicator';
const CONSENSUS = 'consensus';

const toCall = (row: GraderCallRow): GraderCall => (row.ungradable ? { ungradable: true } : { value: row.value as LabelValue });

/** Whether the image's standing final label is an adjudicator's decision (not taken back by an undo). */
function adjudicated(store: Store, imageId: number): boolean {
  const final = store.protocols.finalLabelEvent(imageId);
  return final !== null && final.source === 'adjudication' && final.origin === ADJUDICATOR_ORIGIN && !final.isUndo;
}

/** The outcome of an image's grader calls under the project's protocol. */
export function imageOutcome(store: Store, project: Project, imageId: number): { outcome: ProtocolOutcome; calls: GraderCallRow[] } {
  const calls = store.protocols.graderCalls(project.id, imageId);
  return { outcome: protocolOutcome(store.protocols.get(project.id), calls.map(toCall)), calls };
}

/**
 * After a grader's call on an image changed under a double protocol: records the final label the policy now
 * gives as an event of its own (source `adjudication`, origin `consensus (…)`), or withdraws a consensus
 * that no longer holds (a grader undid their grade). An adjudicator's decision stands until it is undone.
 */
export function settleImage(store: Store, project: Project, imageId: number, actingReaderId: number): LabelEvent | null {
  if (!isDoubleProtocol(store.protocols.get(project.id))) return null;
  return settle(store, project, imageId, imageOutcome(store, project, imageId).outcome, actingReaderId);
}

/**
 * Records the final label an image's outcome gives, or withdraws a consensus that no longer holds: one that
 * waits for more grades (`consensus withdrawn`), or one the image is now referred over
 * (`consensus withdrawn (referred: rule)`), which leaves it no final label until the adjudicator decides.
 * An adjudicator's decision stands until it is undone. `note` says why, when a grade did not cause it.
 */
function settle(store: Store, project: Project, imageId: number, outcome: ProtocolOutcome, actingReaderId: number, note?: string): LabelEvent | null {
  if (adjudicated(store, imageId)) return null;
  const final = store.protocols.finalLabelEvent(imageId);
  const current = store.labels.current(imageId)?.value ?? null;
  const fromConsensus = final?.origin?.startsWith(CONSENSUS) === true;
  const common = { imageId, source: 'adjudication' as const, readerId: actingReaderId, note };
  if (outcome.kind === 'final' && outcome.value !== null) {
    if (sameLabel(current, outcome.value)) return null;
    return store.labels.record(project.task, { ...common, value: outcome.value, origin: `${CONSENSUS} (${outcome.by})` });
  }
  if (fromConsensus && current !== null) {
    const origin = outcome.kind === 'referred' ? `${CONSENSUS} withdrawn (referred: ${outcome.reason})` : `${CONSENSUS} withdrawn`;
    return store.labels.record(project.task, { ...common, value: null, origin });
  }
  return null;
}

/** The note on the final labels a protocol change settled again. */
const PROTOCOL_CHANGED = 'the grading protocol changed';

/**
 * Settles every image with grader calls again under the project's new protocol (`after`), inside the caller's
 * transaction: the events written, and how many final labels changed, were withdrawn, or became referrals.
 */
function resettle(store: Store, project: Project, before: GradingProtocol, after: GradingProtocol, actingReaderId: number) {
  const events: LabelEvent[] = [];
  const finalLabels = { changed: 0, withdrawn: 0, referred: 0 };
  if (!isDoubleProtocol(after)) return { events, finalLabels };
  const callsByImage = new Map<number, GraderCall[]>();
  for (const call of store.protocols.graderCalls(project.id)) callsByImage.set(call.imageId, [...(callsByImage.get(call.imageId) ?? []), toCall(call)]);
  for (const [imageId, calls] of callsByImage) {
    const wasReferred = isDoubleProtocol(before) && protocolOutcome(before, calls).kind === 'referred';
    const outcome = protocolOutcome(after, calls);
    const event = settle(store, project, imageId, outcome, actingReaderId, PROTOCOL_CHANGED);
    if (event) {
      events.push(event);
      finalLabels[event.value === null ? 'withdrawn' : 'changed'] += 1;
    }
    if (outcome.kind === 'referred' && !wasReferred && !adjudicated(store, imageId)) finalLabels.referred += 1;
  }
  return { events, finalLabels };
}

/** Fisher–Yates with a generator seeded by the person and the project: the same order every time for them, another for everyone else. */
function shuffledFor(imageIds: readonly number[], readerId: number, projectId: number): number[] {
  const random = createRandom(readerId * 1_000_003 + projectId);
  const order = [...imageIds];
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * The owed images just before and after an image's place in the queue's order, for an image no longer owed
 * (none when the image has no place there: it could not be imported).
 */
function owedAround(ordered: readonly number[], isOwed: (imageId: number) => boolean, imageId: number): { previousId: number | null; nextId: number | null } {
  const at = ordered.indexOf(imageId);
  if (at < 0) return { previousId: null, nextId: null };
  return { previousId: ordered.slice(0, at).findLast(isOwed) ?? null, nextId: ordered.slice(at + 1).find(isOwed) ?? null };
}

export function protocolOperations(workspace: Workspace) {
  const { store } = workspace;

  /**
   * A reader's work queue: the project's readable images in the protocol's order, whether the reader still
   * owes each, and how many they have graded (see WorkQueueCounts).
   */
  // The last queue order made, until the database changes: Review asks for its place at every image it opens.
  let lastOrder: { key: string; version: string; ordered: readonly number[] } | null = null;
  const queueOrder = (projectId: number, readerId: number, order: GradingProtocol['queueOrder']): readonly number[] => {
    const key = `${projectId}/${readerId}/${order}`;
    const version = store.dataVersion.current();
    if (lastOrder?.key === key && lastOrder.version === version) return lastOrder.ordered;
    const inFileOrder = store.protocols.imagesInFileOrder(projectId);
    const ordered = order === 'file' ? inFileOrder : shuffledFor(inFileOrder, readerId, projectId);
    lastOrder = { key, version, ordered };
    return ordered;
  };

  const workQueue = (projectId: number, readerId: number) => {
    store.people.get(readerId);
    const protocol = store.protocols.get(projectId);
    const ordered = queueOrder(projectId, readerId, protocol.queueOrder);
    let isOwed: (imageId: number) => boolean;
    let graded: number;
    if (isDoubleProtocol(protocol)) {
      const callers = store.protocols.callersByImage(projectId);
      isOwed = (imageId) => {
        const by = callers.get(imageId);
        return !by || (!by.has(readerId) && by.size < protocol.graders);
      };
      graded = [...callers.values()].filter((by) => by.has(readerId)).length;
    } else {
      const done = new Set(store.images.readable(projectId).filter((image) => image.label !== null || image.ungradable).map((image) => image.id));
      isOwed = (imageId) => !done.has(imageId);
      graded = done.size;
    }
    return { order: protocol.queueOrder, ordered, isOwed, graded };
  };

  /** The images a reader still owes under the project's protocol, in the protocol's queue order. */
  const owed = (projectId: number, readerId: number): WorkQueue => {
    const queue = workQueue(projectId, readerId);
    return { order: queue.order, imageIds: queue.ordered.filter(queue.isOwed) };
  };

  const caseOf = (imageId: number, reason: ReferralReason, calls: GraderCallRow[]): AdjudicationCase => {
    const image = store.images.get(imageId);
    const final = store.protocols.finalLabelEvent(imageId);
    return {
      imageId,
      fileName: image.fileName,
      reason,
      grades: calls.map((call) => ({ readerName: call.readerName, value: call.value, ungradable: call.ungradable, note: call.note, gradedAt: call.gradedAt, eventId: call.eventId })),
      decision: adjudicated(store, imageId) ? { value: final!.value, eventId: final!.eventId } : null,
    };
  };

  return {
    get: ({ projectId }: Validated<'protocol.get'>): GradingProtocol => {
      store.projects.get(projectId);
      return store.protocols.get(projectId);
    },
    /**
     * Sets the project's protocol and settles the images already graded again under it, in one transaction,
     * as the admin who changed it; each final label that changes is an event of its own.
     */
    set({ projectId, readerId, kind, graders, refer, policy, queueOrder }: Validated<'protocol.set'>): ProtocolChange {
      const project = store.projects.get(projectId);
      const person = store.people.get(readerId);
      if (person.role !== 'admin') throw forbidden(`${person.name} is ${person.role === 'grader' ? 'a grader' : 'an adjudicator'}; only an admin changes how a project is graded.`);
      const protocol: GradingProtocol = {
        kind,
        graders: kind === 'single' ? 1 : (graders ?? 2),
        refer: kind === 'double-adjudicated' ? [...new Set<ReferralRule>(refer ?? DEFAULT_REFERRAL_RULES)] : [],
        policy: policy ?? defaultPolicy(kind),
        queueOrder: queueOrder ?? 'random',
      };
      if (kind !== 'single' && protocol.graders < 2) throw invalid('A double protocol needs at least two graders per image.');
      if (project.task.kind === 'multilabel' && kind !== 'single') {
        throw invalid(MULTILABEL_KEEPS_SINGLE);
      }
      const { saved, events, finalLabels } = store.transaction(() => {
        const before = store.protocols.get(projectId);
        const saved = store.protocols.set(projectId, protocol);
        return { saved, ...resettle(store, project, before, saved, readerId) };
      });
      workspace.changes.announce({ projectId, imageIds: null, what: 'projects' });
      if (events.length > 0) {
        workspace.changes.announce({ projectId, imageIds: events.map((event) => event.imageId), what: 'labels', eventIds: events.map((event) => event.id) });
      }
      return { protocol: saved, finalLabels };
    },

    /** Whether the reader has graded the image (or called it ungradable) under its project's double protocol. */
    hasCalled: (imageId: number, readerId: number) => store.protocols.hasCalled(imageId, readerId),

    /** The images of a project a reader has graded (or called ungradable). */
    calledBy: (projectId: number, readerId: number) =>
      new Set(store.protocols.graderCalls(projectId).filter((call) => call.readerId === readerId).map((call) => call.imageId)),

    queueList: ({ projectId, readerId, limit }: Validated<'queue.list'>) => {
      const queue = owed(projectId, readerId);
      return { ...queue, owed: queue.imageIds.length, imageIds: queue.imageIds.slice(0, limit ?? 1000) };
    },
    queueNext: ({ projectId, readerId }: Validated<'queue.next'>) => {
      const queue = workQueue(projectId, readerId);
      const owedIds = queue.ordered.filter(queue.isOwed);
      return { imageId: owedIds[0] ?? null, owed: owedIds.length, graded: queue.graded };
    },
    queueLocate({ projectId, readerId, imageId }: Validated<'queue.locate'>): WorkQueuePosition {
      const image = store.images.get(imageId);
      if (image.projectId !== projectId) throw invalid(`Image ${imageId} (${image.fileName}) belongs to another project, so it is not in this project's work queue.`);
      const queue = workQueue(projectId, readerId);
      const owedIds = queue.ordered.filter(queue.isOwed);
      const place = { order: queue.order, counts: { owed: owedIds.length, graded: queue.graded } };
      const position = positionIn(owedIds, imageId);
      return position.index >= 0 ? { ...position, ...place } : { ...position, ...owedAround(queue.ordered, queue.isOwed, imageId), ...place };
    },

    /** The project's referred images with each grader's call and the rule that referred them (decided ones with `includeDecided`). */
    adjudicationList({ projectId, includeDecided }: Validated<'adjudication.list'>): AdjudicationCase[] {
      store.projects.get(projectId);
      const protocol = store.protocols.get(projectId);
      if (!isDoubleProtocol(protocol)) return [];
      const byImage = new Map<number, GraderCallRow[]>();
      for (const call of store.protocols.graderCalls(projectId)) byImage.set(call.imageId, [...(byImage.get(call.imageId) ?? []), call]);
      const cases: AdjudicationCase[] = [];
      for (const [imageId, calls] of byImage) {
        const outcome = protocolOutcome(protocol, calls.map(toCall));
        if (outcome.kind !== 'referred') continue;
        const item = caseOf(imageId, outcome.reason, calls);
        if (includeDecided || !item.decision) cases.push(item);
      }
      return cases;
    },

    /** The adjudicator's final label of a referred image, as an event of its own; undone with labels.undo. */
    adjudicationDecide({ imageId, value, readerId }: Validated<'adjudication.decide'>) {
      const person = store.people.get(readerId);
      if (person.role === 'grader') throw forbidden(`${person.name} is a grader; only an adjudicator or an admin decides referred images.`);
      const project = store.projects.get(store.images.get(imageId).projectId);
      if (!isDoubleProtocol(store.protocols.get(project.id))) throw conflict(`Project "${project.name}" grades each image once; there is nothing to adjudicate.`);
      const { outcome } = imageOutcome(store, project, imageId);
      if (outcome.kind === 'pending') throw conflict(`Image ${imageId} still waits for grades (${outcome.graded} in); it has not been referred.`);
      if (outcome.kind === 'final') throw conflict(`The graders' grades of image ${imageId} settle its label by the policy; it has not been referred.`);
      const event = store.labels.record(project.task, { imageId, value, source: 'adjudication', readerId, origin: ADJUDICATOR_ORIGIN })!;
      workspace.changes.announce({ projectId: project.id, imageIds: [imageId], what: 'labels', eventIds: [event.id] });
      return imageChange(store, imageId, event);
    },
  };
}
