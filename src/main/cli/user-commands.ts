// CLI commands for the people of a data directory: user add, list, set-role, disable, link, sign-out.
// Whoever runs the CLI has the data directory's files, so is its admin: no sign-in here.
import { Option, type Command } from 'commander';
import { invalid } from '../../shared/errors';
import { ROLES, type Person, type Role } from '../../shared/people';
import type { CliContext } from './ml-commands';
import { table } from './output';
import { checked } from './requests';

const describeRole = (person: Person) => `${person.role}${person.hasPassword ? '' : ', signs in by link'}${person.disabledAt ? `, disabled ${person.disabledAt.slice(0, 10)}` : ''}`;

export function registerUserCommands(program: Command, { io, app, print }: Omit<CliContext, 'projectNamed'>): void {
  const user = program.command('user').description('people who grade here, their roles, and their sign-in to a team server (`serve`)');
  user
    .command('add <name>')
    .description('add a person (or give a reader who graded without one a role); with a password, `serve` runs as a team server')
    .addOption(new Option('--role <role>', 'what they may do').choices(ROLES).makeOptionMandatory())
    .option('--password-stdin', 'read their password from standard input (its first line), e.g. from a password manager')
    .action(async (name: string, options: { role: Role; passwordStdin?: boolean }) => {
      const password = options.passwordStdin ? await readPassword(io.readStdin) : undefined;
      const person = await app().people.add(checked('people.add', { name, role: options.role, password }));
      print(person, `Added ${person.name} (${describeRole(person)}).\n` + (person.hasPassword ? '' : `Give them a sign-in link: gradedesk user link "${person.name}".\n`));
    });
  user
    .command('list')
    .description('everyone who has graded or may sign in, with their role')
    .action(() => {
      const people = app().people.list({});
      print(
        people,
        people.length
          ? table([
              ['NAME', 'ROLE', 'SIGN-IN', 'STATUS', 'SINCE', 'LAST SIGN-IN', 'SESSIONS'],
              ...people.map((p) => [
                p.name,
                p.role,
                p.hasPassword ? 'password' : 'link only',
                p.disabledAt ? 'disabled' : 'active',
                p.createdAt.slice(0, 10),
                p.lastSignedInAt ? p.lastSignedInAt.slice(0, 16).replace('T', ' ') : 'never',
                String(p.liveSessions),
              ]),
            ])
          : 'Nobody yet: add people with `gradedesk user add NAME --role grader|adjudicator|admin`.\n',
      );
    });
  user
    .command('set-role <name>')
    .description('give a person another role; it holds from their next request (the last admin stays one)')
    .addOption(new Option('--role <role>', 'what they may do from now on').choices(ROLES).makeOptionMandatory())
    .action((name: string, options: { role: Role }) => {
      const person = app().people.setRole(checked('people.setRole', { name, role: options.role }));
      print(person, `${person.name} is now ${describeRole(person)}.\n`);
    });
  user
    .command('disable <name>')
    .description('stop a person signing in and end their sessions now; their grades stay theirs')
    .action((name: string) => {
      const person = app().people.disable(checked('people.disable', { name }));
      print(person, `Disabled ${person.name}; their sessions have ended.\n`);
    });
  user
    .command('sign-out <name>')
    .description('end every session of a person (a lost laptop, say); they may sign in again')
    .action((name: string) => {
      const ended = app().people.revokeSessions(checked('people.revokeSessions', { name }));
      print(ended, `Ended ${ended.ended} session(s) of ${ended.person.name}.\n`);
    });
  user
    .command('link <name>')
    .description('a personal one-time sign-in link: open it on the address `serve` prints')
    .option('--hours <n>', 'how long it stays valid (1 to 168)', (text) => Number(text), 24)
    .action((name: string, options: { hours: number }) => {
      const link = app().people.createLink(checked('people.createLink', { name, hours: options.hours }));
      print(link, `Sign-in link for ${link.person.name}, once, until ${link.expiresAt}: <server address>${link.path}\n`);
    });
}

/** The first line of standard input, without its line ending. */
async function readPassword(readStdin: (() => Promise<string>) | undefined): Promise<string> {
  if (!readStdin) throw invalid('This command cannot read standard input here.');
  const password = (await readStdin()).split(/\r?\n/)[0] ?? '';
  if (!password) throw invalid('No password came on standard input; pipe it in, e.g. `pass show gradedesk/ana | gradedesk user add Ana --role grader --password-stdin`.');
  return password;
}
