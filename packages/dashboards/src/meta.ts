// What the three dashboards share: stable uids, time defaults, cross-links and Jaeger links.
import { DashboardLinkBuilder, DashboardLinkType } from '@grafana/grafana-foundation-sdk/dashboard';
import { endpointsOf, type MeshobsConfig } from '@meshobs/config';
import { DASHBOARD_UIDS, type MeshModel } from '@meshobs/model';
import { CLUSTER_VARIABLE } from '@meshobs/signals';
import type { Link } from './panels.ts';

export { DASHBOARD_UIDS } from '@meshobs/model';

/** A dashboard's title as the model names it (Kiali links to it by this title). */
export const titleOf = (model: MeshModel, uid: string): string => {
  const d = model.dashboards.find((x) => x.uid === uid);
  if (!d) throw new Error(`no dashboard ${uid} in the model`);
  return d.title;
};

export const timeDefaults = { time: { from: 'now-1h', to: 'now' }, refresh: '30s' };

/** Header links to the other meshobs dashboards (by tag) and to Jaeger. */
export function dashboardLinks(config: MeshobsConfig) {
  return [
    new DashboardLinkBuilder('meshobs')
      .type(DashboardLinkType.Dashboards)
      .tags(['meshobs'])
      .asDropdown(true)
      .includeVars(false)
      .keepTime(true),
    new DashboardLinkBuilder('Jaeger')
      .type(DashboardLinkType.Link)
      .url(endpointsOf(config).jaeger.externalUrl)
      .icon('external link')
      .targetBlank(true),
  ];
}

/**
 * Row link from a services table to the service dashboard, with the row's namespace and service and
 * the current data source and cluster selection.
 */
export function serviceDashboardLink(): Link {
  return {
    title: 'Service dashboard',
    url: `/d/${DASHBOARD_UIDS.service}?\${datasource:queryparam}&\${${CLUSTER_VARIABLE}:queryparam}&var-namespace=\${__data.fields.Namespace}&var-service=\${__data.fields.Service}&\${__url_time_range}`,
  };
}

/** Jaeger search for a service, over the panel's time range (Jaeger takes microseconds). */
export function jaegerSearchLink(config: MeshobsConfig, title: string, service: string, extra = ''): Link {
  const base = endpointsOf(config).jaeger.externalUrl.replace(/\/$/, '');
  return {
    title,
    url: `${base}/search?service=${service}${extra}&start=\${__from}000&end=\${__to}000&limit=20`,
  };
}
