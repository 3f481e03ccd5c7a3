// The reports of the storage tools: what the report tasks of HardPrune and
// Fsck write to runs/<id>/<tool>/report.json, and what `image-pruner
// hard-prune` / `image-pruner fsck` print with --output json. They live here,
// with the tasks that build them, so shared/ needs nothing from cli/.
import type { LostManifestFinding, MissingBlobsFinding, MissingImageFinding, MissingLinksFinding } from '../../core/fsck.js';

/** One repository with something to remove. */
export interface RepositoryReport {
  repository: string;
  action: 'remove' | 'sweep';
  manifestLinks: number;
  layerLinks: number;
  /** Bytes of the deleted blobs this repository loses its links to. */
  bytes: number;
  failed: number;
  /** Every manifest revision link removed (or, in a dry run, to remove), by digest; failed ones are in `failures`. */
  manifestLinkDigests: string[];
  /** Every layer link removed (or to remove), by digest. */
  layerLinkDigests: string[];
}

/** A folder below `repositories/` whose name no repository can have: reported, never touched. */
export interface InvalidRepositoryFolder {
  location: string;
  reason: string;
}

/** What a hard prune deleted (or would delete). */
export interface HardPruneReport {
  confirm: boolean;
  location: string;
  marked: { images: number; streams: number; blobs: number };
  repositories: RepositoryReport[];
  repositoriesSeen: number;
  blobs: { deleted: number; bytes: number; kept: number; young: number; youngBytes: number; failed: number };
  /** Every blob deleted (or, in a dry run, to delete), sorted by digest. The state machine's output leaves it empty: it is in report.json. */
  deletedBlobs: { digest: string; size: number }[];
  /** Repositories without an image stream kept for a push in progress (a young blob link or a young upload). */
  keptRepositories: { repository: string; reason: 'young blob' | 'young upload' }[];
  /** Folders below `repositories/` with invalid names, left alone. */
  invalidRepositories: InvalidRepositoryFolder[];
  failures: string[];
  warnings: string[];
}

/** A lost manifest, with whether (and how) it was recovered. */
export interface LostManifestReport extends LostManifestFinding {
  /** The manifest's own blob is readable in storage (needed to recreate a missing Image). */
  manifestReadable: boolean;
  /** `namespace/name:lost-found-<hex>` once recovered. */
  recoveredAs?: string;
  /** Why recovery failed or was impossible. */
  problem?: string;
}

/** A stream revision whose Image is missing, with whether recovery recreated it. */
export interface MissingImageReport extends MissingImageFinding {
  /** Recovery recreated the Image from the manifest in storage. */
  recreated?: boolean;
  /** Why recovery could not recreate it. */
  problem?: string;
}

/** Links a stream revision needs that its repository lacks (their blobs are present), with whether recovery wrote them. */
export interface MissingLinksReport extends MissingLinksFinding {
  /** Recovery wrote every missing link. */
  restored?: boolean;
  /** Why recovery could not write them. */
  problem?: string;
}

/** What fsck found (and, with confirm, recovered). */
export interface FsckReport {
  location: string;
  namespace?: string;
  /** The run recovered lost manifests (execution input `confirm`, `fsck --recover`). */
  recover: boolean;
  missingImages: MissingImageReport[];
  missingBlobs: MissingBlobsFinding[];
  missingLinks: MissingLinksReport[];
  lostManifests: LostManifestReport[];
  /** Folders below `repositories/` whose names no repository can have: never checked, reported so they are not missed. */
  invalidRepositories: { location: string; reason: string }[];
  /** Blob prefixes listed and repositories checked, for the record. */
  listed: { prefixes: number; repositories: number };
  warnings: string[];
}

/** How many findings are left once recovery has done what it could. */
export function openFindings(r: FsckReport): number {
  return (
    r.missingImages.filter((f) => !f.recreated).length +
    r.missingBlobs.length +
    r.invalidRepositories.length +
    r.missingLinks.filter((f) => !f.restored).length +
    r.lostManifests.filter((f) => !f.recoveredAs).length
  );
}
