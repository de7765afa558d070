// The demo's authentication (RequestAuthentication, the token a request through the ingress gateway must carry)
// and its routing beyond the weighted split (mirroring, A/B by header, URI prefixes): demo.jwt, demo.routing.
import { z } from 'zod';
import { between, dnsLabel, httpUrl, typeError, uniqueBy } from '../primitives.ts';

// Istio's AuthorizationPolicy path match: exact, `prefix*`, `*suffix` or `*` (pilot/pkg/security/authz/matcher/string.go).
const policyPath = () =>
  z.string({ error: typeError('must be a string') }).regex(/^(\/[-A-Za-z0-9._~/]*\*?|\*[-A-Za-z0-9._~/]*)$/, {
    error: 'is not a path such as "/healthz", a prefix such as "/public/*" or a suffix such as "*.css"',
  });
const token = () =>
  z
    .string({ error: typeError('must be a string') })
    .min(1, { error: 'must not be empty' })
    .max(253, { error: 'must be at most 253 characters' })
    .regex(/^[^\s"'\\{}]+$/, { error: 'must not contain spaces, quotes, backslashes or braces' });

export const demoJwt = z
  .strictObject({
    /** The token issuer (the `iss` claim) the demo front end accepts. */
    issuer: token(),
    /** Where the proxies fetch the issuer's signing keys (JWKS). */
    jwksUri: httpUrl(),
    /** Audiences (`aud`) a token must carry one of; none: any audience. */
    audiences: z.array(token(), { error: 'must be a list of audiences' }).default([]),
    /**
     * Paths of the front end a request through the ingress gateway may call without a token (Istio's path
     * match: exact, `prefix*`, `*suffix`). Every other path needs a valid token; calls from inside the mesh
     * are not asked for one. A request with an invalid token is refused on every path.
     */
    publicPaths: z.array(policyPath(), { error: 'must be a list of paths' }).default(['/healthz', '/readyz', '/version']),
  })
  .optional();

const HEADER_NAME = /^[a-z0-9][-a-z0-9_]*$/;

export const demoRouting = z
  .strictObject({
    /**
     * Share of the requests to the demo front end (0–100) that is also sent, as a copy whose answer is
     * discarded, to the canary (the last of `demo.versions`). 0: no mirroring.
     */
    mirrorPercent: between(0, 100).default(0),
    /**
     * User-based A/B routing: requests carrying this header with this value go to the canary (the last of
     * `demo.versions`), whatever the weights say. Unset: the `x-canary: true` header does.
     */
    abHeader: z
      .strictObject({
        /** Header name, lower case (HTTP/2 header names are lower case). */
        name: z.string({ error: typeError('must be a string') }).regex(HEADER_NAME, {
          error: 'is not a lower-case header name (letters, digits, "-" and "_")',
        }),
        /** The exact value that selects the canary. */
        value: token(),
      })
      .optional(),
    /** URI-based routing: requests whose path starts with `prefix` go to the version `version` only. */
    uriRoutes: z
      .array(
        z.strictObject({
          /** Path prefix, starting with "/". */
          prefix: z
            .string({ error: typeError('must be a string') })
            .regex(/^\/[-A-Za-z0-9._~/]*$/, { error: 'is not a path prefix such as "/api/v2"' }),
          /** Name of one of `demo.versions`. */
          version: dnsLabel(),
        }),
        { error: 'must be a list of { prefix, version }' },
      )
      .default([])
      .superRefine(uniqueBy((r) => r.prefix, 'prefix')),
  })
  .prefault({});
