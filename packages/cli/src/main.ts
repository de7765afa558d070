import { parseArgs } from 'node:util';
import { ConfigError } from '@meshobs/spec';
import { buildCommand, diffCommand, validateCommand, type Io } from './commands.ts';
import { UsageError } from './load-config.ts';

const USAGE = `usage: meshobs <command> [options]

commands:
  build      validate the config and write the bundle (default out: dist/bundle)
  validate   validate the config, build in memory and run every real validator found
  diff       build in memory and print a per-object diff against an existing bundle (--against DIR)

options:
  --config FILE   meshobs.config.ts | .yaml | .yml | .json (default: first found in the current folder)
  --out DIR       bundle folder for build (default: dist/bundle)
  --against DIR   existing bundle folder diff compares with
  --exit-code     diff exits 1 when there are differences (default: 0)
  -h, --help      show this help

exit codes: 0 ok, 1 invalid config or failed validation (or differences with diff --exit-code), 2 usage error`;

export async function main(argv: string[], io: Io): Promise<number> {
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        out: { type: 'string' },
        against: { type: 'string' },
        'exit-code': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || command === 'help') {
      io.out(USAGE);
      return 0;
    }
    if (rest.length) throw new UsageError(`unexpected argument: ${rest[0]}`);
    if (command !== 'diff' && (values.against || values['exit-code'])) throw new UsageError('--against and --exit-code are options of diff');
    switch (command) {
      case 'build':
        return await buildCommand(io, values);
      case 'diff':
        if (values.out) throw new UsageError('--out is not an option of diff');
        return await diffCommand(io, { config: values.config, against: values.against, exitCode: values['exit-code'] });
      case 'validate':
        if (values.out) throw new UsageError('--out is not an option of validate');
        return await validateCommand(io, values);
      case undefined:
        throw new UsageError('missing command');
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(e.message);
      return 1;
    }
    const code = (e as { code?: string }).code;
    if (e instanceof UsageError || code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`meshobs: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`meshobs: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
}

/** Runs the command line of this process; used by bin/meshobs.js and `node src/main.ts`. */
export async function run(): Promise<void> {
  const io: Io = { cwd: process.cwd(), out: (l) => console.log(l), err: (l) => console.error(l) };
  process.exitCode = await main(process.argv.slice(2), io);
}

if (import.meta.main) await run();
