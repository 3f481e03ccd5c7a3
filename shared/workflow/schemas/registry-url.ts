// The registry URL a deployment may name. Lambda runs outside the cluster: a
// cluster-internal service name (`*.svc`, `*.svc.cluster.local`) resolves to
// nothing there, so the first confirmed run would fail after planning. Known
// without a lookup, so refused at synth; the registry's route is what works.
import { z } from 'zod';
import { parseWith } from './parse.js';
import { list, nonEmptyString, object, wholeNumber } from './primitives.js';

const CLUSTER_INTERNAL = /\.svc(\.cluster\.local)?\.?$/i;

/** An http(s) URL without user info whose host is not a cluster-internal service name. */
export const deployedRegistryUrlSchema = z.string({ error: 'must be the registry URL, e.g. https://default-route-openshift-image-registry.apps.example.com' }).superRefine((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL (e.g. https://default-route-openshift-image-registry.apps.example.com)' });
    return;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: `must be https:// or http://, not ${url.protocol}//` });
  else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry credentials (put them in the registry secret)' });
  else if (CLUSTER_INTERNAL.test(url.hostname)) {
    ctx.addIssue({ code: 'custom', message: `host ${url.hostname} is a cluster-internal service name, unreachable from Lambda: use the registry's route (oc get route -n openshift-image-registry)` });
  }
});

/** Checks the registry URL of a deployment. Throws InvalidInputError naming the prop. */
export function parseDeployedRegistryUrl(value: unknown, name = 'ImagePruner props'): string {
  return parseWith(z.object({ registryUrl: deployedRegistryUrlSchema }), { registryUrl: value }, name).registryUrl;
}

// ---------------------------------------------------------------------------
// The registry a run found (shared/workflow/registry-detection.ts), as it
// travels through the state machine: a few counts and host names, never a list
// that grows with the cluster.

/** What the image streams' `status.publicDockerImageRepository` say (the collect task of the streams). */
export const registryDetectionSchema = object({
  /** `https://HOST` of the most common external host, or null when no stream names one. */
  url: nonEmptyString.nullable(),
  /** Streams naming that host. */
  streams: wholeNumber,
  /** Streams naming any external host. */
  routed: wholeNumber,
  /** Streams looked at. */
  total: wholeNumber,
  /** Streams naming a cluster-internal host (ignored). */
  internal: wholeNumber,
  /** Distinct external hosts. */
  hosts: wholeNumber,
  /** A few of the other external hosts, most streams first. */
  others: list(nonEmptyString),
});

/** The registry a run uses (`$.registry`): given, detected, or none (a dry run may have none). */
export const registryChoiceSchema = object({
  url: nonEmptyString.nullable(),
  source: z.enum(['given', 'detected', 'none']),
  detection: registryDetectionSchema.optional(),
});

export type RegistryDetection = z.output<typeof registryDetectionSchema>;
export type RegistryChoice = z.output<typeof registryChoiceSchema>;
