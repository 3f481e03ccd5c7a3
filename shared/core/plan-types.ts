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
  /**
   * Over-size mode (`--prune-over-size-limit`, default false): revisions whose image
   * exceeds a LimitRange of type `openshift.io/Image` go, whatever their position or
   * age (docs/rules.md, "Which stream revisions stay").
   */
  pruneOverSizeLimit: boolean;
  /** Trim only this namespace's streams and delete no image (`--namespace`); undefined: every namespace. */
  namespace?: string;
  /** Plan registry deletions (default true); false: only the cluster's objects change (`--prune-registry=false`). */
  pruneRegistry: boolean;
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

/**
 * Why an image stays or goes: every reason, sorted (plain string order). Each reason
 * is one line an operator can read, naming the rule and the object that decided it;
 * it starts with the rule, not the verdict (docs/rules.md, "Reasons" lists them),
 * e.g. `Pod ns/web spec.containers[0].image references it by digest`.
 */
export interface ImageReasons {
  image: string;
  verdict: 'stays' | 'deleted';
  reasons: string[];
}

/** Why one revision of a stream tag stays or is removed (every revision of a trimmed or kept history). */
export interface RevisionReasons {
  namespace: string;
  name: string;
  tag: string;
  /** Position in the tag's history in the snapshot (0 = newest). */
  index: number;
  image: string;
  verdict: 'stays' | 'removed';
  reasons: string[];
}

/**
 * The `reasons` field of the JSON plan (not part of the rules' contract fields):
 * images sorted by digest; revisions by namespace, name, tag, then index.
 */
export interface PlanReasons {
  images: ImageReasons[];
  revisions: RevisionReasons[];
}

/**
 * The reasons of a plan worked out one at a time (`computePlanWithReasons`),
 * in the order of {@link PlanReasons}: what {@link Plan.reasons} holds, without
 * holding it all at once. Each call visits every one again.
 */
export interface PlanReasonsSource {
  /** Calls `take` with the reasons of each image, sorted by digest; each object is new and the caller's to keep. */
  images(take: (reasons: ImageReasons) => void): void;
  /** Calls `take` with the reasons of each revision, sorted by namespace, name, tag, then index. */
  revisions(take: (reasons: RevisionReasons) => void): void;
  /** The reasons of one Image (by its name, the manifest digest), worked out alone; undefined when the snapshot has none of that name. */
  image(name: string): ImageReasons | undefined;
  /**
   * The reasons of the revisions an image's reasons cite: for an image that
   * goes, every revision that names it (all removed); for one that stays, the
   * revisions that stay. Worked out alone, in the snapshot's order.
   */
  revisionsOfImage(name: string): RevisionReasons[];
}

export interface Plan {
  images: string[];
  streamUpdates: StreamUpdate[];
  manifestLinks: RepositoryLink[];
  layerLinks: RepositoryLink[];
  blobs: string[];
  bytesReclaimed: number;
  warnings: string[];
  /** Present when computePlan was asked for reasons (`explain`, `plan --output json|html`). */
  reasons?: PlanReasons;
}
