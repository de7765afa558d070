// Container image references, checked with the grammar of the distribution reference package
// (github.com/distribution/reference, regexp.go) that the kubelet and container runtimes parse
// `image:` with. An explicit tag or digest is required: an image without one means ":latest", which
// changes under a running bundle.
import { z } from 'zod';
import { typeError } from './errors.ts';

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);

export interface ImageRef {
  name: string;
  tag?: string;
  digest?: string;
}

export function parseImage(ref: string): ImageRef | undefined {
  const m = REFERENCE.exec(ref);
  if (!m) return undefined;
  // a domain needs a "." or ":" or to be localhost, else the first component is part of the path;
  // either way the whole name must fit in 255 characters (reference.NameTotalLengthMax)
  if (m[1]!.length > 255) return undefined;
  return { name: m[1]!, ...(m[2] ? { tag: m[2] } : {}), ...(m[3] ? { digest: m[3] } : {}) };
}

/** The app.kubernetes.io/version label value of an image tag: the tag without a leading "v". */
export const versionOfTag = (tag: string): string => tag.replace(/^v/, '');

/** The version an image reference carries (its tag without a leading "v"), for the app.kubernetes.io/version label. */
export const imageVersion = (ref: string): string | undefined => {
  const tag = parseImage(ref)?.tag;
  return tag === undefined ? undefined : versionOfTag(tag);
};

function imageProblem(ref: string, opts: { tagOnly?: boolean }): string | undefined {
  if (/:$/.test(ref) || /:@/.test(ref)) return 'has an empty tag after ":"';
  if (/@$/.test(ref)) return 'has an empty digest after "@"';
  const p = parseImage(ref);
  if (!p) return 'is not a container image reference such as "registry.example.com/team/app:1.2.3"';
  if (!p.tag && !p.digest) return 'has no tag or digest (it would mean ":latest"): name a version such as ":1.2.3"';
  if (opts.tagOnly && (p.digest || !p.tag))
    return 'must be "name:tag" without a digest: the tag becomes the app.kubernetes.io/version label of the pods';
  if (opts.tagOnly) {
    const label = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
    for (const v of [p.tag!, versionOfTag(p.tag!)])
      if (v !== '' && (v.length > 63 || !label.test(v)))
        return `has tag "${p.tag}", which becomes the app.kubernetes.io/version label: it must be a Kubernetes label value (at most 63 characters, alphanumeric at both ends)`;
  }
  return undefined;
}

/**
 * An image reference. `tagOnly`: the tag is also rendered as a Kubernetes label value
 * (app.kubernetes.io/version), so it must be one: at most 63 characters, alphanumeric at both ends.
 */
export const image = (opts: { tagOnly?: boolean } = {}) =>
  z.string({ error: typeError('must be a container image reference string') }).superRefine((v, ctx) => {
    const problem = imageProblem(v, opts);
    if (problem) ctx.addIssue({ code: 'custom', input: v, message: problem });
  });
