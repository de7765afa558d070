// Every object validates against the Kubernetes / prometheus-operator schemas; the legacy CR
// against the jaeger-operator CRD schema.

import { parseConfig } from '@meshobs/config';
import { validateObjects } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { describe, expect, it } from 'vitest';
import { renderJaeger } from '../src/index.ts';
import { legacyJaegerCr } from '../src/legacy-cr.ts';
import { legacyCrValidator } from './support/legacy-crd.ts';

const variants: Record<string, unknown> = {
  defaults: {},
  rollover: { jaeger: { storage: { rollover: true, indexPrefix: 'prod' } } },
  'external auth elsewhere': {
    jaeger: {
      query: {
        ingress: {
          enabled: true,
          auth: {
            url: 'http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth',
            signinUrl: 'https://sso.example.com/oauth2/start?rd=$scheme://$host$escaped_request_uri',
          },
        },
      },
    },
  },
  'open UI': { jaeger: { query: { ingress: { enabled: true, auth: { type: 'none' } } } } },
  'no ingress, one query replica, plain http': {
    jaeger: { query: { replicas: 1, ingress: { enabled: false } } },
    elasticsearch: { url: 'http://opensearch.search.svc:9200', flavor: 'opensearch', namespace: 'search' },
  },
};

describe('schema validation', () => {
  for (const [name, raw] of Object.entries(variants)) {
    it(`every manifest is valid (${name})`, async () => {
      const objects = renderJaeger(resolveModel(parseConfig(raw))).objects;
      expect(objects.length).toBeGreaterThan(10);
      expect(await validateObjects(objects)).toEqual([]);
    });
  }

  it('an invalid manifest is reported (the check can fail)', async () => {
    const [first] = renderJaeger(resolveModel(parseConfig({}))).objects.filter((o) => o.kind === 'Deployment');
    const broken = { ...first!, spec: { ...(first!.spec as object), replicas: 'three' } };
    expect(await validateObjects([broken])).toHaveLength(1);
  });
});

describe('legacy jaegertracing.io/v1 Jaeger CR (deprecated)', () => {
  const validate = legacyCrValidator();

  for (const [name, raw] of Object.entries(variants)) {
    it(`matches the jaeger-operator CRD schema (${name})`, () => {
      expect(() => validate(legacyJaegerCr(parseConfig(raw)))).not.toThrow();
    });
  }

  it('passes validateObjects through a listed kind validator', async () => {
    const kinds = [{ apiVersion: 'jaegertracing.io/v1', kind: 'Jaeger', validate }];
    expect(await validateObjects([legacyJaegerCr(parseConfig({}))], kinds)).toEqual([]);
  });

  it('rejects misspelled and mistyped fields', () => {
    const cr = legacyJaegerCr(parseConfig({}));
    const spec = cr.spec as Record<string, any>;
    expect(() => validate({ ...cr, spec: { ...spec, stratgy: 'production' } })).toThrow(/additional properties/);
    expect(() => validate({ ...cr, spec: { ...spec, storage: { ...spec.storage, esIndexCleaner: { numberOfDays: 'seven' } } } })).toThrow(
      /integer/,
    );
  });
});
