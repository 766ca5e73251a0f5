/**
 * The protocol settings dialog's state: the project's protocol as the admin edits it, and saving it. A choice
 * hidden by another kind keeps its value (nothing typed is lost when the kind changes back, or on an error).
 */
import type { ProjectSummary, RequestOf } from '../../../../shared/api';
import {
  DEFAULT_REFERRAL_RULES,
  MAX_GRADERS,
  REFERRAL_RULES,
  defaultPolicy,
  isDoubleProtocol,
  type ArbitrationPolicy,
  type GradingProtocol,
  type ProtocolKind,
  type QueueOrder,
  type ReferralRule,
} from '../../../../shared/protocols';
import { call, errorSentence } from '../api';
import { refreshProjects } from '../projects/projects.svelte';
import { resettledSentence } from './protocol-words';

export class ProtocolForm {
  kind = $state<ProtocolKind>('single');
  /** Graders per image under a double protocol; null while the field is empty. */
  graders = $state<number | null>(2);
  refer = $state<ReferralRule[]>([...DEFAULT_REFERRAL_RULES]);
  /** null until the admin chooses one (or a double protocol was loaded): the kind's default policy. */
  chosenPolicy = $state<ArbitrationPolicy | null>(null);
  queueOrder = $state<QueueOrder>('random');
  loaded = $state(false);
  saving = $state(false);
  /** Whether the project has grades already, which a change to a double protocol settles again. */
  graded = $state(false);
  problem = $state('');
  result = $state('');

  constructor(readonly project: ProjectSummary) {}

  get policy(): ArbitrationPolicy {
    return this.chosenPolicy ?? defaultPolicy(this.kind);
  }
  set policy(policy: ArbitrationPolicy) {
    this.chosenPolicy = policy;
  }

  get double(): boolean {
    return this.kind !== 'single';
  }

  /** The protocol the form would save (what the summary describes). */
  get protocol(): GradingProtocol {
    return {
      kind: this.kind,
      graders: this.double ? (this.graders ?? 0) : 1,
      refer: this.kind === 'double-adjudicated' ? this.refer : [],
      policy: this.policy,
      queueOrder: this.queueOrder,
    };
  }

  /** The graders field's problem, in words; empty when it is fine or not shown. */
  get gradersProblem(): string {
    const graders = this.graders;
    if (!this.double || (typeof graders === 'number' && Number.isInteger(graders) && graders >= 2 && graders <= MAX_GRADERS)) return '';
    return `Give the number of graders per image, a whole number from 2 to ${MAX_GRADERS}.`;
  }

  /** Saving settles the graded images' final labels again (only a double protocol does). */
  get resettles(): boolean {
    return this.graded && isDoubleProtocol(this.protocol);
  }

  async load(): Promise<void> {
    try {
      const [protocol, project] = await Promise.all([
        call('protocol.get', { projectId: this.project.id }),
        call('projects.get', { projectId: this.project.id }),
      ]);
      this.kind = protocol.kind;
      if (isDoubleProtocol(protocol)) {
        this.graders = protocol.graders;
        this.refer = protocol.kind === 'double-adjudicated' ? [...protocol.refer] : this.refer;
        this.chosenPolicy = protocol.policy;
      }
      this.queueOrder = protocol.queueOrder;
      this.graded = project.stats.labelEvents > 0 || project.stats.ungradable > 0;
      this.loaded = true;
    } catch (error) {
      this.problem = `The grading protocol could not be read: ${errorSentence(error)}`;
    }
  }

  /** Turns one referral rule on or off, keeping the rules in their fixed order (the first that applies is the one named). */
  toggleRule(rule: ReferralRule, on: boolean): void {
    this.refer = REFERRAL_RULES.filter((candidate) => (candidate === rule ? on : this.refer.includes(candidate)));
  }

  request(readerId: number): RequestOf<'protocol.set'> {
    const { kind, graders, refer, policy, queueOrder } = this.protocol;
    if (kind === 'single') return { projectId: this.project.id, readerId, kind, queueOrder };
    return { projectId: this.project.id, readerId, kind, graders, policy, queueOrder, ...(kind === 'double-adjudicated' ? { refer } : {}) };
  }

  /** Saves the protocol as `readerId`; answers whether it was saved. The form keeps its values either way. */
  async save(readerId: number): Promise<boolean> {
    if (this.saving) return false;
    this.problem = this.gradersProblem;
    this.result = '';
    if (this.problem) return false;
    this.saving = true;
    try {
      const change = await call('protocol.set', { ...this.request(readerId) });
      this.result = `Saved. ${resettledSentence(change.finalLabels)}`;
      void refreshProjects();
      return true;
    } catch (error) {
      this.problem = errorSentence(error);
      return false;
    } finally {
      this.saving = false;
    }
  }
}
