// npm run preview: the three dashboards on the synthetic mesh in a real Prometheus, one static HTML
// page each (default .preview/ in this package).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveModel } from '@meshobs/model';
import { writePreview } from '@meshobs/qa/preview';
import { config } from '@meshobs/qa/test-mesh';
import { buildDashboards } from '../src/index.ts';

const { values } = parseArgs({ options: { out: { type: 'string', default: '.preview' } } });
for (const file of await writePreview(resolve(values.out!), buildDashboards(resolveModel(config)))) console.log(file);
