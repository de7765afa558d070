import { parseArgs } from 'node:util';
import { ConfigError } from '@meshobs/config';
import { buildCommand, diffCommand, type Io, validateCommand } from './commands.ts';
import { INTERNAL_ERROR_EXIT, REPORT_HINT } from './errors.ts';
import { initCommand } from './init.ts';
import { UsageError } from './load-config.ts';
import { schemaCommand } from './schema-command.ts';
import { INTERRUPTED, Interrupted } from './signals.ts';
import { COMMANDS, type Command, commandUsage, isCommand, optionsOf, PARSE_OPTIONS, suggestion, USAGE } from './usage.ts';
import { verifyCommand } from './verify.ts';
import { MESHOBS_VERSION } from './version.ts';
import { OutputError } from './write.ts';

/** The first word of a parseArgs complaint names the option: `Unknown option '--bogus'`. */
const unknownOption = (message: string) => /option '(-{1,2}[^']+)'/.exec(message)?.[1];

export async function main(argv: string[], io: Io): Promise<number> {
  const debug = argv.includes('--debug');
  // Known before parsing, so a parse error can still hint at the command's own options.
  let command = argv.find((a) => !a.startsWith('-'));
  try {
    const { positionals, values, tokens } = parseArgs({ args: argv, allowPositionals: true, options: PARSE_OPTIONS, tokens: true });
    const [first, ...rest] = positionals;
    command = first;
    if (command === 'help') {
      io.out(isCommand(rest[0]) ? commandUsage(rest[0]) : USAGE);
      return 0;
    }
    if (values.help) {
      io.out(isCommand(command) ? commandUsage(command) : USAGE);
      return 0;
    }
    if (values.version) {
      io.out(MESHOBS_VERSION);
      return 0;
    }
    if (command === undefined) throw new UsageError('missing command');
    if (!isCommand(command)) throw new UsageError(`unknown command: ${command}${suggestion(command, Object.keys(COMMANDS))}`);
    if (rest.length) throw new UsageError(`unexpected argument: ${rest[0]}`);
    const allowed = optionsOf(command);
    for (const t of tokens) {
      if (t.kind === 'option' && !allowed.includes(t.name)) {
        throw new UsageError(`--${t.name} is not an option of ${command}${suggestion(t.name, allowed.map(String))}`);
      }
    }
    const str = (name: string) => values[name] as string | undefined;
    switch (command satisfies Command) {
      case 'init':
        return initCommand(io, {
          format: str('format'),
          cluster: str('cluster'),
          prometheus: str('prometheus'),
          operators: str('operators'),
          kubernetesVersion: str('kubernetes-version'),
        });
      case 'build':
        return await buildCommand(io, { config: str('config'), out: str('out') });
      case 'diff':
        return await diffCommand(io, {
          config: str('config'),
          against: str('against'),
          exitCode: values['exit-code'] as boolean | undefined,
          summary: values.summary as boolean | undefined,
          all: values.all as boolean | undefined,
        });
      case 'validate':
        return await validateCommand(io, { config: str('config'), allowMissing: str('allow-missing') });
      case 'verify':
        return await verifyCommand(io, { config: str('config'), context: str('context'), timeout: str('timeout') });
      case 'schema':
        return schemaCommand(io, { out: str('out') });
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(e.message);
      return 1;
    }
    if (e instanceof Interrupted) {
      io.err(INTERRUPTED);
      return e.exitCode;
    }
    if (e instanceof OutputError) {
      io.err(`meshobs: ${e.message}`);
      return 1;
    }
    const code = (e as { code?: string }).code;
    if (e instanceof UsageError || code?.startsWith('ERR_PARSE_ARGS')) {
      // One line and where to look, not the whole usage: the error stays visible.
      let message = (e as Error).message;
      const option = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? unknownOption(message) : undefined;
      if (option) {
        const known = isCommand(command) ? optionsOf(command) : Object.keys(PARSE_OPTIONS);
        message = `unknown option ${option}${suggestion(option.replace(/^-+/, ''), known)}`;
      }
      io.err(`meshobs: ${message.split('\n')[0]}`);
      io.err(`run 'meshobs ${isCommand(command) ? `${command} ` : ''}--help' for the usage`);
      return 2;
    }
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    io.err(`meshobs: internal error: ${message} (${REPORT_HINT})`);
    if (debug)
      for (let c: unknown = e; c !== undefined; c = (c as Error).cause) io.err(c instanceof Error ? (c.stack ?? c.message) : String(c));
    else io.err('meshobs: run again with --debug for the stack');
    return INTERNAL_ERROR_EXIT;
  }
}

/** Runs the command line of this process; used by bin/meshobs.js and `node src/main.ts`. */
export async function run(): Promise<void> {
  const io: Io = { cwd: process.cwd(), out: (l) => console.log(l), err: (l) => console.error(l) };
  process.exitCode = await main(process.argv.slice(2), io);
}

if (import.meta.main) await run();
