// Template variables. Query variables read recording-rule series where one exists (a handful of
// series instead of every raw request series), so the pickers stay fast on a large mesh.
import { DatasourceVariableBuilder, QueryVariableBuilder, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import type { MeshobsConfig } from '@meshobs/config';
import type { MeshModel } from '@meshobs/model';
import { recordNamesFor, SPAN_METRIC_LABELS, SPAN_METRICS } from '@meshobs/signals';
import { DATASOURCE_VARIABLE, datasourceRef } from './panels.ts';

export function datasourceVariable(config: MeshobsConfig) {
  return new DatasourceVariableBuilder(DATASOURCE_VARIABLE)
    .label('Data source')
    .type('prometheus')
    .current({ selected: true, text: config.grafana.datasource, value: config.grafana.datasource });
}

function queryVariable(name: string, label: string, query: string) {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(datasourceRef)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
}

/** namespace -> service -> version, from the per-version request-rate rule. */
export function serviceVariables(model: MeshModel) {
  const rule = recordNamesFor(model.config).versionRequestRate;
  const first = model.services[0];
  const withDefault = (v: QueryVariableBuilder, value: string | undefined) =>
    value ? v.current({ selected: true, text: value, value }) : v;
  return [
    withDefault(queryVariable('namespace', 'Namespace', `label_values(${rule}, destination_service_namespace)`), first?.namespace),
    withDefault(
      queryVariable('service', 'Service', `label_values(${rule}{destination_service_namespace="$namespace"}, destination_service_name)`),
      first?.name,
    ),
    queryVariable(
      'version',
      'Version',
      `label_values(${rule}{destination_service_namespace="$namespace", destination_service_name="$service"}, destination_version)`,
    )
      .multi(true)
      .includeAll(true)
      .allValue('.*')
      .current({ selected: true, text: ['All'], value: ['$__all'] }),
  ];
}

export function spanServiceVariable() {
  return queryVariable('service', 'Service', `label_values(${SPAN_METRICS.calls}, ${SPAN_METRIC_LABELS.service})`)
    .multi(true)
    .includeAll(true)
    .allValue('.+')
    .current({ selected: true, text: ['All'], value: ['$__all'] });
}
