// Which registry a run deletes from, one implementation for the CLI and AWS.
// A URL the user gives (--registry-url, the construct's registryUrl) always
// wins. Without one, the registry is found from the image streams: OpenShift
// writes the registry's route, reachable from outside the cluster, into each
// stream's `status.publicDockerImageRepository` (`HOST/NAMESPACE/NAME`).
// `status.dockerImageRepository` names the registry's service
// (`image-registry.openshift-image-registry.svc:5000`), which resolves only
// inside the cluster; it is never used, nor is a public repository whose host
// is a cluster-internal DNS name.
import type { ImageStream } from '../core/kube-types.js';
import { PrunerError } from '../errors.js';
import type { RegistryChoice, RegistryDetection } from './schemas/registry-url.js';

export type { RegistryChoice, RegistryDetection } from './schemas/registry-url.js';

/** The field a registry is detected from, as messages name it. */
export const ROUTE_FIELD = 'status.publicDockerImageRepository';

/** Hosts only the cluster's DNS resolves: services and the cluster domain. */
const CLUSTER_INTERNAL_HOST = /\.(svc|svc\.cluster\.local|cluster\.local)$/;

/** How many other hosts a detection names (for the message); the count says how many there are. */
const OTHERS_NAMED = 3;

/** No registry URL was given and no image stream names an external route. */
export class NoRegistryRouteError extends PrunerError {
  constructor(options?: { cause?: unknown }) {
    super(`no image stream has a public registry route (${ROUTE_FIELD}); pass --registry-url (registryUrl on AWS)`, options);
    this.name = 'NoRegistryRouteError';
  }
}

/**
 * The host (`name[:port]`, lower case) of a public repository `HOST/NAMESPACE/NAME`;
 * undefined when the value is no such thing.
 */
function hostOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const slash = value.indexOf('/');
  if (slash <= 0) return undefined;
  const host = value.slice(0, slash).toLowerCase();
  let url: URL;
  try {
    url = new URL(`https://${host}`);
  } catch {
    return undefined;
  }
  // Anything URL parsing would change (user info, a path, odd characters) is not a plain host.
  return url.host === host && url.hostname !== '' ? host : undefined;
}

/** Whether `host` (`name[:port]`) is a cluster-internal DNS name. */
export function isClusterInternalHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase();
  return CLUSTER_INTERNAL_HOST.test(name);
}

/** What a run of streams said about routes so far: streams per external host, all streams, and those naming an internal host. */
export interface RouteTally {
  hosts: Record<string, number>;
  total: number;
  internal: number;
}

/** Adds the streams' public repositories to `tally` (a new one when absent) and returns it. */
export function tallyRoutes(streams: Iterable<Pick<ImageStream, 'status'>>, tally: RouteTally = { hosts: {}, total: 0, internal: 0 }): RouteTally {
  for (const s of streams) {
    tally.total += 1;
    const host = hostOf(s.status?.publicDockerImageRepository);
    if (host === undefined) continue;
    if (isClusterInternalHost(host)) {
      tally.internal += 1;
      continue;
    }
    tally.hosts[host] = (tally.hosts[host] ?? 0) + 1;
  }
  return tally;
}

/**
 * What the streams' public repositories say: the most common external host
 * (ties broken by string order, so the same streams always give the same
 * answer) and how many streams name it or another one.
 */
export function detectRegistry(streams: Iterable<Pick<ImageStream, 'status'>>): RegistryDetection {
  return detectionOfTally(tallyRoutes(streams));
}

/** {@link detectRegistry} of streams already tallied (a list read in several invocations). */
export function detectionOfTally(tally: RouteTally): RegistryDetection {
  const ranked = Object.entries(tally.hosts).sort(([a, n], [b, m]) => m - n || (a < b ? -1 : a > b ? 1 : 0));
  const routed = ranked.reduce((sum, [, n]) => sum + n, 0);
  const [first, ...rest] = ranked;
  return {
    url: first ? `https://${first[0]}` : null,
    streams: first ? first[1] : 0,
    routed,
    total: tally.total,
    internal: tally.internal,
    hosts: ranked.length,
    others: rest.slice(0, OTHERS_NAMED).map(([h]) => h),
  };
}

/**
 * The registry a run uses: `given` (--registry-url, the construct's
 * registryUrl) when there is one, else the detected route. With neither, a
 * run that deletes (`required`) fails with {@link NoRegistryRouteError}; a dry
 * run gets `source: 'none'`.
 */
export function chooseRegistry(given: string | undefined, detection: RegistryDetection | undefined, required: boolean): RegistryChoice {
  if (given) return { url: given, source: 'given' };
  if (detection?.url) return { url: detection.url, source: 'detected', detection };
  if (required) throw new NoRegistryRouteError();
  return { url: null, source: 'none', ...(detection ? { detection } : {}) };
}

/**
 * One line saying which registry was chosen and from where, e.g.
 * `registry: https://default-route-openshift-image-registry.apps.example.com (detected from 412 image streams' status.publicDockerImageRepository)`.
 * `givenAs` names where a given URL came from (`--registry-url`).
 */
export function describeRegistry(choice: RegistryChoice, givenAs: string): string {
  if (choice.source === 'given') return `registry: ${choice.url} (${givenAs})`;
  const d = choice.detection;
  if (choice.source === 'none' || !d) {
    return `registry: none: no image stream has a public registry route (${ROUTE_FIELD}); a confirmed run needs ${givenAs}`;
  }
  const streams = (n: number) => `${n} image stream${n === 1 ? '' : 's'}`;
  const whose = (n: number) => `${streams(n)}${n === 1 ? "'s" : "'"}`;
  let from = d.streams === d.routed ? whose(d.streams) : `${d.streams} of ${whose(d.routed)}`;
  from += ` ${ROUTE_FIELD}`;
  if (d.hosts > 1) {
    const more = d.hosts - 1 - d.others.length;
    from += `; the most common of ${d.hosts} hosts, the others: ${d.others.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  }
  if (d.internal > 0) from += `; ${streams(d.internal)} naming a cluster-internal host ignored`;
  return `registry: ${choice.url} (detected from ${from})`;
}

/** The detection the collect task of the image streams made, among the collect results (`$.collected`). */
export function detectionOf(collected: readonly { registry?: RegistryDetection }[]): RegistryDetection | undefined {
  return collected.find((c) => c.registry !== undefined)?.registry;
}

/**
 * The registry URL a registry-using task's event names: `registryUrl` (check
 * health) or `BatchInput.registryUrl` (the deletion batches); undefined when
 * it names none (then the deployment's URL is used).
 */
export function registryUrlOfEvent(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as { registryUrl?: unknown; BatchInput?: { registryUrl?: unknown } };
  const url = e.registryUrl ?? e.BatchInput?.registryUrl;
  return typeof url === 'string' && url !== '' ? url : undefined;
}

/**
 * "Find the registry": the registry URL the deployment gives (`given`), else
 * the route the image streams name. A run that deletes (`confirm`) and has
 * neither fails here, before planning; a dry run goes on with none.
 */
export function findRegistry(event: { run: { options: { confirm: boolean; pruneRegistry?: boolean } }; collected: readonly { registry?: RegistryDetection }[] }, given: string | undefined): RegistryChoice {
  // With pruneRegistry false no registry is contacted, so none is required (docs/rules.md, "Carrying it out").
  return chooseRegistry(given, detectionOf(event.collected), event.run.options.confirm && event.run.options.pruneRegistry !== false);
}
