import { parseArgs } from 'node:util';
import { ConfigError } from '@meshobs/spec';
import { buildCommand, diffCommand, validateCommand, type Io } from './commands.ts';
import { InternalError, REPORT_HINT } from './errors.ts';
import { UsageError } from './load-config.ts';
import { MESHOBS_VERSION } from './version.ts';
import { OutputError } from './write.ts';

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
  --allow-missing TOOLS  validate passes although these tools (comma-separated, e.g. checkov,otelcol-meshobs)
                  are not installed; without it, a validator that cannot run fails validate
  --debug         print the stack of an internal error
  -v, --version   print the meshobs version
  -h, --help      show this help

build replaces --out only when it is absent, empty, or a bundle meshobs wrote (it carries a .meshobs-bundle
file listing its files); anything else is refused and left untouched.

exit codes: 0 ok, 1 invalid config, refused output folder or failed validation (or differences with
diff --exit-code), 2 usage error`;

export async function main(argv: string[], io: Io): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        out: { type: 'string' },
        against: { type: 'string' },
        'exit-code': { type: 'boolean' },
        'allow-missing': { type: 'string' },
        debug: { type: 'boolean' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || command === 'help') {
      io.out(USAGE);
      return 0;
    }
    if (values.version) {
      io.out(MESHOBS_VERSION);
      return 0;
    }
    if (rest.length) throw new UsageError(`unexpected argument: ${rest[0]}`);
    if (command !== 'diff' && (values.against || values['exit-code'])) throw new UsageError('--against and --exit-code are options of diff');
    if (command !== 'validate' && values['allow-missing'] !== undefined) throw new UsageError('--allow-missing is an option of validate');
    switch (command) {
      case 'build':
        return await buildCommand(io, { config: values.config, out: values.out });
      case 'diff':
        if (values.out !== undefined) throw new UsageError('--out is not an option of diff');
        return await diffCommand(io, { config: values.config, against: values.against, exitCode: values['exit-code'] });
      case 'validate':
        if (values.out !== undefined) throw new UsageError('--out is not an option of validate');
        return await validateCommand(io, { config: values.config, allowMissing: values['allow-missing'] });
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
    if (e instanceof OutputError) {
      io.err(`meshobs: ${e.message}`);
      return 1;
    }
    const code = (e as { code?: string }).code;
    if (e instanceof UsageError || code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`meshobs: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    io.err(`meshobs: internal error: ${message} (${REPORT_HINT})`);
    if (debug) io.err(e instanceof Error ? (e.stack ?? e.message) : String(e));
    else if (!(e instanceof InternalError)) io.err('meshobs: run again with --debug for the stack');
    return 1;
  }
}

/** Runs the command line of this process; used by bin/meshobs.js and `node src/main.ts`. */
export async function run(): Promise<void> {
  const io: Io = { cwd: process.cwd(), out: (l) => console.log(l), err: (l) => console.error(l) };
  process.exitCode = await main(process.argv.slice(2), io);
}

if (import.meta.main) await run();
