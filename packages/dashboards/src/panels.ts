// Small builder functions, one per panel kind, in the style of grafana-foundation-sdk's examples.
// Every panel gets an explicit id and gridPos, the dashboard's datasource variable, a unit, and
// thresholds; time series get a legend. Targets carry the datasource too.

import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import {
  BigValueColorMode,
  BigValueGraphMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardLinkBuilder,
  RowBuilder,
  type Threshold,
  ThresholdsConfigBuilder,
  ThresholdsMode,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as GaugePanel } from '@grafana/grafana-foundation-sdk/gauge';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import type { Layout } from './layout.ts';

export const DATASOURCE_VARIABLE = 'datasource';
export const datasourceRef: DataSourceRef = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };

export interface Target {
  expr: string;
  legend?: string;
  /** Table panels read one instant value per series. */
  instant?: boolean;
}

export interface Link {
  title: string;
  url: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  targets: Target[];
  w: number;
  h: number;
  /** [value, color] steps above the base color; default: a single green base. */
  thresholds?: Array<[number, string]>;
  baseColor?: string;
  min?: number;
  max?: number;
  decimals?: number;
  /** Data links on every field (e.g. Jaeger searches). */
  links?: Link[];
}

const thresholds = (spec: PanelSpec) =>
  new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps([
      { value: null, color: spec.baseColor ?? 'green' } as unknown as Threshold,
      ...(spec.thresholds ?? []).map(([value, color]) => ({ value, color })),
    ]);

function query(t: Target, i: number) {
  const q = new DataqueryBuilder()
    .refId(String.fromCharCode(65 + i))
    .datasource(datasourceRef)
    .expr(t.expr)
    .legendFormat(t.legend ?? '__auto');
  return t.instant ? q.instant().format(PromQueryFormat.Table) : q.range();
}

const links = (spec: PanelSpec) => (spec.links ?? []).map((l) => new DashboardLinkBuilder(l.title).url(l.url).targetBlank(true));

/** The parts every panel kind shares (the SDK's panel builders have the same methods, not a base class). */
function common<P extends TimeseriesPanel | StatPanel | TablePanel | GaugePanel>(panel: P, layout: Layout, spec: PanelSpec): P {
  panel
    .id(layout.id())
    .title(spec.title)
    .description(spec.description)
    .datasource(datasourceRef)
    .gridPos(layout.place(spec.w, spec.h))
    .unit(spec.unit)
    .thresholds(thresholds(spec))
    .targets(spec.targets.map(query));
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  if (spec.decimals !== undefined) panel.decimals(spec.decimals);
  if (spec.links?.length) panel.dataLinks(links(spec));
  return panel;
}

export function row(layout: Layout, title: string) {
  return new RowBuilder(title).id(layout.id()).gridPos(layout.row());
}

/** Field overrides that draw a series as a dashed, unfilled reference line (a limit, a configured value). */
export const REFERENCE_LINE = [
  { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
  { id: 'custom.fillOpacity', value: 0 },
];

export function timeseries(layout: Layout, spec: PanelSpec & { fillOpacity?: number }) {
  return common(new TimeseriesPanel(), layout, spec)
    .lineWidth(1)
    .fillOpacity(spec.fillOpacity ?? 10)
    .spanNulls(false)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.Table)
        .placement(LegendPlacement.Bottom)
        .calcs(['mean', 'max', 'lastNotNull']),
    )
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending));
}

export function stat(layout: Layout, spec: PanelSpec) {
  return common(new StatPanel(), layout, spec)
    .graphMode(BigValueGraphMode.Area)
    .colorMode(BigValueColorMode.Value)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

export function gauge(layout: Layout, spec: PanelSpec) {
  return common(new GaugePanel(), layout, spec).reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

/**
 * A table of instant queries joined on their common labels (Grafana's "merge" transformation): one
 * value column per target (titled by `valueColumns`, with its own unit), label columns renamed by
 * `labelColumns`; every other label is hidden.
 */
export function table(
  layout: Layout,
  spec: PanelSpec & { valueColumns: Array<{ title: string; unit: string }>; labelColumns: Record<string, string> },
) {
  const renameByName: Record<string, string> = { ...spec.labelColumns };
  const indexByName: Record<string, number> = {};
  for (const [i, label] of Object.keys(spec.labelColumns).entries()) indexByName[label] = i;
  spec.valueColumns.forEach((c, i) => {
    const field = `Value #${String.fromCharCode(65 + i)}`;
    renameByName[field] = c.title;
    indexByName[field] = Object.keys(spec.labelColumns).length + i;
  });
  const panel = common(new TablePanel(), layout, { ...spec, targets: spec.targets.map((t) => ({ ...t, instant: true })) })
    .withTransformation({ id: 'merge', options: {} })
    // Keep only the named columns, in order.
    .withTransformation({ id: 'filterFieldsByName', options: { include: { names: Object.keys(renameByName) } } })
    .withTransformation({ id: 'organize', options: { excludeByName: {}, indexByName, renameByName } });
  for (const c of spec.valueColumns) panel.overrideByName(c.title, [{ id: 'unit', value: c.unit }]);
  return panel;
}
