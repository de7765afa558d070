/**
 * A bug in meshobs itself, as opposed to a bad config (ConfigError) or a bad command line (UsageError):
 * printed as one line with how to report it; the stack only with --debug.
 */
export class InternalError extends Error {
  override name = 'InternalError';
}

export const REPORT_HINT = 'this is a bug in meshobs: please report it with the command, the config and the output of --debug';
