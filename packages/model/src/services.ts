// The services the alerts, dashboards and SLOs name: the config's own (services[]) and, when the demo is
// on, the demo's front end. Each carries the thresholds that apply to it, overrides resolved.
import type { MeshobsConfig } from '@meshobs/config';

export interface ServiceModel {
  name: string;
  namespace: string;
  port?: number;
  /** Versions and their traffic weights; undefined when the config declares none (no split shown). */
  versions?: { name: string; weight: number }[];
  /** The owning team (alertmanager.teams): its alerts carry team=<owner>. */
  owner?: string;
  /** The thresholds of the per-service alerts for this service: its own, else the mesh-wide ones. */
  thresholds: {
    high5xxErrorRate: { threshold: number; minRequestRate: number };
    highRequestLatency: { p99Seconds: number; minRequestRate: number };
  };
  /** Which thresholds this service sets itself (rendered as per-service threshold series). */
  overrides: {
    high5xxErrorRate: { threshold?: number; minRequestRate?: number };
    highRequestLatency: { p99Seconds?: number; minRequestRate?: number };
  };
  slo: { availability: number; latencyThresholdSeconds: number; latencyTarget: number };
  /** The demo's front end, which the bundle deploys; every other service is the user's. */
  demo: boolean;
}

/** The default SLO of a service that sets none (the schema's defaults of services[].slo). */
const DEFAULT_SLO = { availability: 0.999, latencyThresholdSeconds: 0.5, latencyTarget: 0.99 };

export function servicesOf(config: MeshobsConfig): ServiceModel[] {
  const a = config.alerts;
  const listed: ServiceModel[] = config.services.map((s) => {
    const h5 = s.alerts?.high5xxErrorRate ?? {};
    const lat = s.alerts?.highRequestLatency ?? {};
    return {
      name: s.name,
      namespace: s.namespace,
      ...(s.port !== undefined ? { port: s.port } : {}),
      ...(s.versions ? { versions: s.versions.map((v) => ({ name: v.name, weight: v.weight })) } : {}),
      ...(s.owner !== undefined ? { owner: s.owner } : {}),
      thresholds: {
        high5xxErrorRate: {
          threshold: h5.threshold ?? a.high5xxErrorRate.threshold,
          minRequestRate: h5.minRequestRate ?? a.high5xxErrorRate.minRequestRate,
        },
        highRequestLatency: {
          p99Seconds: lat.p99Seconds ?? a.highRequestLatency.p99Seconds,
          minRequestRate: lat.minRequestRate ?? a.highRequestLatency.minRequestRate,
        },
      },
      overrides: { high5xxErrorRate: { ...h5 }, highRequestLatency: { ...lat } },
      slo: { ...s.slo },
      demo: false,
    };
  });
  if (!config.demo.enabled) return listed;
  const d = config.demo;
  const frontend: ServiceModel = {
    name: d.name,
    namespace: d.namespace,
    port: d.port,
    versions: d.versions.map((v) => ({ name: v.name, weight: v.weight })),
    thresholds: {
      high5xxErrorRate: { threshold: a.high5xxErrorRate.threshold, minRequestRate: a.high5xxErrorRate.minRequestRate },
      highRequestLatency: { p99Seconds: a.highRequestLatency.p99Seconds, minRequestRate: a.highRequestLatency.minRequestRate },
    },
    overrides: { high5xxErrorRate: {}, highRequestLatency: {} },
    slo: { ...DEFAULT_SLO },
    demo: true,
  };
  return [...listed, frontend];
}

/** A team and where its alerts go. */
export interface TeamModel {
  name: string;
  type: 'pagerduty' | 'slack' | 'webhook';
  secret: { name: string; key: string };
  /** The services it owns, as namespace/name. */
  services: string[];
}

export function teamsOf(config: MeshobsConfig, services: ServiceModel[]): TeamModel[] {
  return Object.entries(config.alertmanager.teams)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, r]) => ({
      name,
      type: r.type,
      secret: { name: r.secret.name, key: r.secret.key },
      services: services.filter((s) => s.owner === name).map((s) => `${s.namespace}/${s.name}`),
    }));
}
