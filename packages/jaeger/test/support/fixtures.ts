import { type MeshobsConfig, parseConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { renderJaeger } from '../../src/index.ts';

/** The config the e2e tier renders from: a plain-http OpenSearch, one shard (single test node). */
export function e2eConfig(jaeger: Record<string, unknown> = {}): MeshobsConfig {
  return parseConfig({
    elasticsearch: { url: 'http://opensearch.observability.svc.cluster.local:9200', flavor: 'opensearch' },
    jaeger: { storage: { shards: 1, replicas: 0 }, ...jaeger },
  });
}

export function generatedFile(config: MeshobsConfig, path: string): string {
  const file = renderJaeger(resolveModel(config)).files.find((f) => f.path === path);
  if (!file) throw new Error(`renderJaeger emitted no ${path}`);
  return file.content;
}
