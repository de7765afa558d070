// The mesh model: the validated config resolved once into what every component renders from. Components are
// peers: none imports another, each reads this model (and its own section of `config`). What one component
// produces and another reads (workload labels, addresses, scrape jobs, alert names, rule groups, dashboard
// identities, the cardinality plan) lives here, computed once.
import { type Endpoints, endpointsOf, type MeshobsConfig } from '@meshobs/config';
import type { CardinalityPlan } from '@meshobs/signals';
import { type AlertRecord, alertsOf } from './alerts.ts';
import { cardinalityPlanOf } from './cardinality.ts';
import { DASHBOARDS, type DashboardIdentity } from './dashboards.ts';
import { type EgressModel, egressOf } from './egress.ts';
import { jobsOf, type ScrapeJob } from './jobs.ts';
import { type NamespaceModel, namespacesOf } from './namespaces.ts';
import { type RuleGroup, ruleGroups } from './rules/rules.ts';
import { type ServiceModel, servicesOf, type TeamModel, teamsOf } from './services.ts';
import { type Workloads, workloadsOf } from './workloads/index.ts';

export interface MeshModel {
  /** The validated config, every default filled in: each component reads its own section. */
  config: MeshobsConfig;
  /** What the target cluster runs. */
  profile: MeshobsConfig['profile'];
  namespaces: NamespaceModel;
  /** The services the alerts, dashboards and SLOs name (the config's, plus the demo's front end when on). */
  services: ServiceModel[];
  /** Teams that own services, with their receivers. */
  teams: TeamModel[];
  /** Every in-cluster address one component dials on another. */
  endpoints: Endpoints;
  /** Names, labels, selectors and ports of every workload the bundle runs, and of the Istio gateways. */
  workloads: Workloads;
  /** External hosts and their routes through the egress gateway, and what each owned namespace's proxies may call. */
  egress: EgressModel;
  /** The scrape jobs the rules and panels select on, and what produces each. */
  jobs: ScrapeJob[];
  /** The alerts this config renders. */
  alerts: AlertRecord[];
  /** Every recording and alerting rule, in evaluation order. */
  ruleGroups: RuleGroup[];
  /** The bundle's dashboards as links and Kiali refer to them. */
  dashboards: readonly DashboardIdentity[];
  /** What the cardinality settings remove, derived from every read of the rules, panels and Kiali. */
  cardinality: CardinalityPlan;
}

const models = new WeakMap<MeshobsConfig, MeshModel>();

/** The model of a validated config, resolved once per config object. */
export function resolveModel(config: MeshobsConfig): MeshModel {
  const known = models.get(config);
  if (known) return known;
  const services = servicesOf(config);
  const groups = ruleGroups(config, services);
  const model: MeshModel = {
    config,
    profile: config.profile,
    namespaces: namespacesOf(config),
    services,
    teams: teamsOf(config, services),
    endpoints: endpointsOf(config),
    workloads: workloadsOf(config),
    egress: egressOf(config),
    jobs: jobsOf(config),
    alerts: alertsOf(config),
    ruleGroups: groups,
    dashboards: DASHBOARDS,
    cardinality: cardinalityPlanOf(config, groups),
  };
  models.set(config, model);
  return model;
}
