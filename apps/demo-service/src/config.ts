// Service configuration from the environment, named as podinfo's flags are (PODINFO_<FLAG>).
import { hostname } from 'node:os';
import { parseDuration } from './duration.ts';
import { DEFAULT_VERSION } from './version.ts';

export interface ServiceConfig {
  /** Interface to bind; empty means every interface (podinfo's default). */
  host: string;
  port: number;
  /** Backends /echo posts to, in order. */
  backends: string[];
  hostname: string;
  version: string;
  revision: string;
  uiColor: string;
  uiLogo: string;
  uiMessage: string;
  maxDelaySeconds: number;
  maxBodyBytes: number;
  backendTimeoutMs: number;
  /** How long in-flight requests may take to finish after SIGTERM before connections are cut. */
  shutdownTimeoutMs: number;
  /** How long to keep serving (unready) after SIGTERM so load balancers stop sending first. */
  shutdownDelayMs: number;
  unhealthy: boolean;
  unready: boolean;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function numberFrom(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new ConfigError(`${name}="${raw}" is not a number between ${min} and ${max}`);
  return value;
}

function durationFrom(env: Env, name: string, fallback: string): number {
  const raw = env[name] || fallback;
  try {
    return parseDuration(raw);
  } catch (e) {
    throw new ConfigError(`${name}: ${(e as Error).message}`);
  }
}

function backendsFrom(raw: string | undefined): string[] {
  const urls = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(`PODINFO_BACKEND_URL: "${url}" is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new ConfigError(`PODINFO_BACKEND_URL: "${url}" is not an http(s) URL`);
  }
  return urls;
}

const flag = (env: Env, name: string) => env[name] === 'true' || env[name] === '1';

export function loadConfig(env: Env = process.env): ServiceConfig {
  const version = env.PODINFO_VERSION || DEFAULT_VERSION;
  return {
    host: env.PODINFO_HOST ?? '',
    port: numberFrom(env, 'PODINFO_PORT', 9898, 0, 65535),
    backends: backendsFrom(env.PODINFO_BACKEND_URL),
    hostname: env.PODINFO_HOSTNAME || hostname(),
    version,
    revision: env.PODINFO_REVISION || 'unknown',
    uiColor: env.PODINFO_UI_COLOR || '#34577c',
    uiLogo: env.PODINFO_UI_LOGO ?? '',
    uiMessage: env.PODINFO_UI_MESSAGE || `greetings from podinfo v${version}`,
    maxDelaySeconds: numberFrom(env, 'PODINFO_MAX_DELAY_SECONDS', 30, 0, 3600),
    maxBodyBytes: numberFrom(env, 'PODINFO_MAX_BODY_BYTES', 10 * 1024 * 1024, 0, 1024 * 1024 * 1024),
    backendTimeoutMs: durationFrom(env, 'PODINFO_HTTP_CLIENT_TIMEOUT', '2m'),
    shutdownTimeoutMs: durationFrom(env, 'PODINFO_SERVER_SHUTDOWN_TIMEOUT', '5s'),
    shutdownDelayMs: durationFrom(env, 'PODINFO_SERVER_SHUTDOWN_DELAY', '0s'),
    unhealthy: flag(env, 'PODINFO_UNHEALTHY'),
    unready: flag(env, 'PODINFO_UNREADY'),
  };
}
