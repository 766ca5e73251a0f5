// CLI commands of grading protocols: protocol set|show, queue, adjudicate.
import { Option, type Command } from 'commander';
import { invalid, notFound } from '../../shared/errors';
import { describeLabel, parseLabelInput } from '../../shared/labels';
import type { Person, Role } from '../../shared/people';
import {
  ARBITRATION_POLICIES,
  PROTOCOL_KINDS,
  QUEUE_ORDERS,
  REFERRAL_RULES,
  RULE_WORDS,
  type ArbitrationPolicy,
  type GradingProtocol,
  type ProtocolChange,
  type ProtocolKind,
  type QueueOrder,
  type ReferralRule,
} from '../../shared/protocols';
import type { CliContext } from './ml-commands';
import { table } from './output';
import { checked } from './requests';

const describeProtocol = (protocol: GradingProtocol) =>
  protocol.kind === 'single'
    ? 'single: whoever grades sets the label'
    : `${protocol.kind}, ${protocol.graders} graders per image` +
      (protocol.kind === 'double-adjudicated' ? `, referred when: ${protocol.refer.map((rule) => RULE_WORDS[rule]).join('; ') || 'never'}` : '') +
      `, final label by ${protocol.policy}; work queues in ${protocol.queueOrder} order`;

const describeResettled = ({ changed, withdrawn, referred }: ProtocolChange['finalLabels']) =>
  changed + withdrawn + referred === 0
    ? 'No final label changed.'
    : `Final labels settled again: ${changed} changed, ${withdrawn} consensus withdrawn, ${referred} image(s) newly referred to the adjudicator.`;

export function registerProtocolCommands(program: Command, { app, print, projectNamed }: CliContext): void {
  const personNamed = (name: string, role: Role = 'adjudicator'): Person => {
    const person = app().people.list({}).find((p) => p.name.toLowerCase() === name.trim().toLowerCase());
    if (!person) throw notFound(`There is nobody named "${name}" here; add them with \`gradedesk user add "${name}" --role ${role}\`.`);
    return person;
  };

  const protocol = program.command('protocol').description('how a project is graded: once, or blind by several graders with adjudication');
  protocol
    .command('set')
    .description('set the grading protocol of a project')
    .requiredOption('--project <name>')
    .requiredOption('--reader <name>', 'the admin who changes it (final labels settled again are written as theirs)')
    .addOption(new Option('--kind <kind>', 'single, double-blind or double-adjudicated').choices(PROTOCOL_KINDS).makeOptionMandatory())
    .option('--graders <n>', 'graders per image (double protocols; default 2)', (text) => Number(text))
    .addOption(new Option('--refer <rules...>', 'what refers a disagreement to the adjudicator (double-adjudicated)').choices(REFERRAL_RULES))
    .addOption(new Option('--policy <policy>', 'how the final label is found').choices(ARBITRATION_POLICIES))
    .addOption(new Option('--queue-order <order>', 'order of each person\'s work queue').choices(QUEUE_ORDERS))
    .action((options: { project: string; reader: string; kind: ProtocolKind; graders?: number; refer?: ReferralRule[]; policy?: ArbitrationPolicy; queueOrder?: QueueOrder }) => {
      const { project: name, reader, ...rest } = options;
      const change = app().protocols.set(checked('protocol.set', { projectId: projectNamed(name).id, readerId: personNamed(reader, 'admin').id, ...rest }));
      print(change, `${name}: ${describeProtocol(change.protocol)}.\n${describeResettled(change.finalLabels)}\n`);
    });
  protocol
    .command('show')
    .description("a project's grading protocol")
    .requiredOption('--project <name>')
    .action((options: { project: string }) => {
      const shown = app().protocols.get(checked('protocol.get', { projectId: projectNamed(options.project).id }));
      print(shown, `${options.project}: ${describeProtocol(shown)}.\n`);
    });

  program
    .command('queue')
    .description('the images a person still owes under the project\'s protocol, in their queue\'s order')
    .requiredOption('--project <name>')
    .requiredOption('--reader <name>')
    .option('--limit <n>', 'how many to list', (text) => Number(text), 50)
    .action((options: { project: string; reader: string; limit: number }) => {
      const project = projectNamed(options.project);
      const person = personNamed(options.reader, 'grader');
      const queue = app().protocols.queueList(checked('queue.list', { projectId: project.id, readerId: person.id, limit: options.limit }));
      const names = queue.imageIds.map((imageId) => [imageId, app().images.get({ imageId }).fileName]);
      print(
        queue,
        queue.owed
          ? `${person.name} owes ${queue.owed} image(s) of ${project.name} (${queue.order} order):\n` + table([['IMAGE', 'FILE'], ...names])
          : `${person.name} owes no image of ${project.name}.\n`,
      );
    });

  program
    .command('adjudicate [image] [value]')
    .description('list the referred images of a project, or decide one (IMAGE VALUE) as --reader, an adjudicator or admin')
    .requiredOption('--project <name>')
    .option('--reader <name>', 'the adjudicator who decides')
    .option('--all', 'list decided referrals too')
    .action((imageRef: string | undefined, valueText: string | undefined, options: { project: string; reader?: string; all?: boolean }) => {
      const project = projectNamed(options.project);
      if (imageRef !== undefined) {
        if (valueText === undefined || options.reader === undefined) throw invalid('To decide, give the image, the value and --reader (an adjudicator or admin).');
        const person = personNamed(options.reader);
        const image = app().images.resolve(project.id, imageRef);
        const value = parseLabelInput(project.task, valueText);
        const { event } = app().protocols.adjudicationDecide(checked('adjudication.decide', { imageId: image.id, value, readerId: person.id }));
        print(event, `${image.fileName}: final label ${describeLabel(project.task, event.value)} (event ${event.id}, ${person.name}).\n`);
        return;
      }
      const cases = app().protocols.adjudicationList(checked('adjudication.list', { projectId: project.id, includeDecided: options.all }));
      const grades = (item: (typeof cases)[number]) =>
        item.grades.map((g) => `${g.readerName}: ${g.ungradable ? 'ungradable' : describeLabel(project.task, g.value)}${g.note ? ` ("${g.note}")` : ''}`).join('; ');
      print(
        cases,
        cases.length
          ? table([
              ['IMAGE', 'FILE', 'GRADES', 'REFERRED BECAUSE', 'DECIDED'],
              ...cases.map((item) => [item.imageId, item.fileName, grades(item), RULE_WORDS[item.reason], item.decision ? describeLabel(project.task, item.decision.value) : '']),
            ])
          : `No image of ${project.name} waits for adjudication.\n`,
      );
    });
}
