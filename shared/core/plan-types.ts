// The prune plan: the JSON contract of docs/rules.md ("The plan as JSON").

/** What `computePlan` needs besides the snapshot. */
export interface PlanOptions {
  /** Revisions per tag that are always strong references (default 3). */
  keepTagRevisions: number;
  /** Objects and revisions younger than this are kept, in milliseconds (default 60m). */
  keepYoungerThanMs: number;
  /** The instant ages are measured from; fixed for a reproducible plan. */
  now: Date;
  /** Prune unmanaged images too (default false). */
  all: boolean;
  /** Turn invalid references into warnings instead of an error (default false). */
  ignoreInvalidRefs: boolean;
}

export const DEFAULT_KEEP_TAG_REVISIONS = 3;
export const DEFAULT_KEEP_YOUNGER_THAN_MS = 60 * 60 * 1000;

/** One revision taken out of a tag's history; `index` is its position in the snapshot. */
export interface RemovedRevision {
  tag: string;
  index: number;
  image: string;
}

/** The revisions and whole tags to remove from one image stream's status. */
export interface StreamUpdate {
  namespace: string;
  name: string;
  removed: RemovedRevision[];
  removedTags: string[];
}

/** A link in one repository (`namespace/name`) of the registry to a manifest or blob. */
export interface RepositoryLink {
  repository: string;
  digest: string;
}

export interface Plan {
  images: string[];
  streamUpdates: StreamUpdate[];
  manifestLinks: RepositoryLink[];
  layerLinks: RepositoryLink[];
  blobs: string[];
  bytesReclaimed: number;
  warnings: string[];
}
