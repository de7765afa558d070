/**
 * A bug in meshobs itself, as opposed to a bad config (ConfigError) or a bad command line (UsageError):
 * printed as one line with how to report it; the stack only with --debug. Exits INTERNAL_ERROR_EXIT.
 */
export class InternalError extends Error {
  override name = 'InternalError';
}

export const REPORT_HINT = 'this is a bug in meshobs: please report it with the command, the config and the output of --debug';

/** Exit code of an internal error: a script can tell a meshobs bug (3) from an invalid config (1). */
export const INTERNAL_ERROR_EXIT = 3;
