// `npm run bench`: every benchmark, side by side, printed as markdown tables.
//   BENCH_SIZES=10k,100k   mesh sizes for the Prometheus benchmarks (toy, 10k, 100k, 1m)
//   BENCH_ONLY=series,rules,dashboards,traces,build   sections to run (default: all)
//   BENCH_OUT=FILE         also write the tables to FILE
//   BENCH_PROFILE=0        rules: skip the second load, reduced by the cardinality profile
// Flags --sizes, --only and --out do the same as the variables. The whole run is bounded by
// BENCH_TIMEOUT_MINUTES (default 60): past it, every started process is stopped and the run fails.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultConfig } from '@meshobs/config';
import { stopAll } from '@meshobs/testkit';
import { benchBuild } from './build-bench.ts';
import { describeMachine, machine } from './machine.ts';
import { benchSize, type SizeResult } from './prometheus-bench.ts';
import {
  comparisonTable,
  costliestQueryRulesTable,
  costliestRulesTable,
  dashboardTable,
  payoffTable,
  ruleQueryTable,
  ruleTable,
} from './report-prometheus.ts';
import { benchSeries, SERIES_SIZES, seriesTable } from './series-bench.ts';
import { pickSizes } from './sizes.ts';
import { benchTraces } from './trace-bench.ts';

const SECTIONS = ['series', 'rules', 'dashboards', 'traces', 'build'] as const;
type Section = (typeof SECTIONS)[number];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string' }, only: { type: 'string' }, out: { type: 'string' } } });
  const only = (values.only ?? process.env.BENCH_ONLY ?? SECTIONS.join(',')).split(',').map((s) => s.trim()) as Section[];
  for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`unknown section "${s}" (known: ${SECTIONS.join(', ')})`);
  const sizes = pickSizes(values.sizes ?? process.env.BENCH_SIZES);
  const out = values.out ?? process.env.BENCH_OUT;
  const config = defaultConfig();
  const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  const started = Date.now();
  const limitMinutes = Number(process.env.BENCH_TIMEOUT_MINUTES ?? 60);
  const watchdog = setTimeout(() => {
    log(`bench exceeded ${limitMinutes} min: stopping`);
    void stopAll().finally(() => process.exit(1));
  }, limitMinutes * 60_000);
  watchdog.unref();
  const rawResults: SizeResult[] = [];
  const parts: string[] = [`Machine: ${describeMachine(machine())}`];
  process.stdout.write(`${parts[0]}\n`);
  const print = (title: string, body: string) => {
    parts.push(`## ${title}\n\n${body}`);
    process.stdout.write(`\n## ${title}\n\n${body}\n`);
  };

  if (only.includes('series')) {
    // Counting is cheap next to a load, so the series table always covers 10k, 100k and 1M unless
    // --sizes names others.
    const named = values.sizes ?? process.env.BENCH_SIZES;
    const seriesSizes = named ? sizes.map((s) => s.name).filter((n) => n !== 'toy') : SERIES_SIZES;
    print('Cardinality profile: raw series', seriesTable(benchSeries(config, { sizes: seriesSizes, log })));
  }
  if (only.includes('rules') || only.includes('dashboards')) {
    const results: SizeResult[] = rawResults;
    for (const size of sizes)
      results.push(
        await benchSize(size, {
          config,
          loads: 5,
          ruleCycles: 4,
          sections: { rules: only.includes('rules'), dashboards: only.includes('dashboards') },
          profile: process.env.BENCH_PROFILE !== '0',
          queryReps: 5,
          log,
        }),
      );
    if (only.includes('rules')) {
      if (results.some((r) => r.groups.length)) {
        print("Rule evaluation cost (the server's cycles)", ruleTable(results));
        print("Costliest rules (the server's cycles)", costliestRulesTable(results));
      }
      print('Rule evaluation cost by query, with and without the cardinality profile', ruleQueryTable(results));
      print('Costliest rules by query', costliestQueryRulesTable(results));
    }
    if (only.includes('dashboards')) {
      print('Dashboard load cost', dashboardTable(results));
      print('Dashboards side by side', comparisonTable(results));
    }
    if (only.includes('rules') && only.includes('dashboards'))
      print('Prometheus CPU per hour: rules every cycle plus dashboard views', payoffTable(results));
  }
  if (only.includes('traces')) print('Trace pipeline throughput', await benchTraces({ config, log }));
  if (only.includes('build')) print('Build time', await benchBuild({ log }));

  log(`done in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  if (out) writeFileSync(out, `${parts.join('\n\n')}\n`);
  if (out && rawResults.length) writeFileSync(`${out}.json`, `${JSON.stringify(rawResults, null, 1)}\n`);
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
