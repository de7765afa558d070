import { availableParallelism } from 'node:os';
import { sendJson } from '../http/respond.ts';
import type { Handler } from './types.ts';

/**
 * podinfo's RuntimeResponse. The go* field names are kept so podinfo clients parse it; they carry
 * the Node equivalents (platform, architecture, runtime version, active handles).
 */
export const info: Handler = ({ res }, { config }) =>
  sendJson(res, 200, {
    hostname: config.hostname,
    version: config.version,
    revision: config.revision,
    color: config.uiColor,
    logo: config.uiLogo,
    message: config.uiMessage,
    goos: process.platform,
    goarch: process.arch,
    runtime: `node${process.versions.node}`,
    num_goroutine: String(process.getActiveResourcesInfo().length),
    num_cpu: String(availableParallelism()),
  });

export const version: Handler = ({ res }, { config }) => sendJson(res, 200, { version: config.version, commit: config.revision });
