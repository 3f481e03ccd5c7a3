// Checks of the constructs' props at synth: a bad prop fails `cdk synth` with
// one line naming it, instead of being baked into the state machine and
// failing every execution (or every batch) later. Only the props the workflow
// reads are checked here; CDK checks its own objects (buckets, secrets, VPCs).
// CDK tokens are not accepted for these props: their values are written into
// the ItemBatcher and the functions' environment at synth.
import { z } from 'zod';
import { parseWith } from './parse.js';
import type { RunDefaults } from './prune.js';
import { MAX_MAP_CONCURRENCY, parseRunDefaults } from './prune.js';
import { wholeNumberIn } from './primitives.js';

/** Step Functions' payload limit, which one batch's input (its Items and BatchInput) must fit in. */
export const STATE_PAYLOAD_LIMIT_BYTES = 256 * 1024;

// The largest plan item of a fixed size: a layer or manifest link with the
// longest repository name the distribution spec allows (255 characters) and a
// sha512 digest, as JSON, with the comma that separates it from the next.
const LARGEST_ITEM_BYTES = JSON.stringify({ repository: 'r'.repeat(255), digest: `sha512:${'0'.repeat(128)}` }).length + 1;
// Room for BatchInput (the storage tools pass `$.run`, `$.tool` and `$.collected`) and the envelope.
const BATCH_OVERHEAD_BYTES = 8 * 1024;

/**
 * Most items per batch task whose batch still fits in the state payload limit
 * when every item is as large as a link can be. Stream updates have no fixed
 * size (one holds a stream's removed revisions), so the ItemBatcher should
 * also set `maxInputBytesPerBatch`.
 */
export const MAX_ITEMS_PER_BATCH = Math.floor((STATE_PAYLOAD_LIMIT_BYTES - BATCH_OVERHEAD_BYTES) / LARGEST_ITEM_BYTES);

export { MAX_MAP_CONCURRENCY };

/** The blob store's two-hex-digit prefixes: a batch of more than all of them means nothing more. */
const BLOB_PREFIXES = 256;

/** The ImagePruner props besides the run defaults, with the construct's defaults. */
export const imagePrunerLimitsSchema = z.object(
  {
    /** Items per batch task. */
    batchSize: wholeNumberIn(1, MAX_ITEMS_PER_BATCH).default(100),
    // Was the deletion Maps' concurrency; numWorkers (a run default) now is, and
    // a renamed prop must not be dropped without a word.
    mapConcurrency: z.never({ error: 'is now numWorkers (the default --num-workers of every execution)' }).optional(),
    /** Items in flight inside one batch task. */
    itemConcurrency: wholeNumberIn(1).default(8),
    /** Days run artifacts are kept. */
    artifactRetentionDays: wholeNumberIn(1).default(90),
  },
  { error: 'must be an object' },
);

/**
 * The registry the ImagePruner deletes from. Its credentials (the cluster
 * token or the registry secret) go with every delete, so an `http://` URL,
 * which would send them in clear, needs `forceInsecure: true`, as
 * `--force-insecure` for `image-pruner run`; forceInsecure also lets the
 * cluster token go to an `http://` API server.
 */
export const imagePrunerRegistrySchema = z
  .object(
    {
      // The rest of the URL (scheme, user info, host) is checked by deployedRegistryUrlSchema (registry-url.ts).
      // Optional: without it each run finds the registry's route in the image streams (registry-detection.ts).
      registryUrl: z.string({ error: 'must be a URL such as https://registry.example.com' }).optional(),
      /** Allow plain http (and unverified TLS) where credentials are sent. */
      forceInsecure: z.boolean({ error: 'must be true or false' }).default(false),
      // Lambda holds 4 KB of environment in all and a CA bundle can pass that:
      // the CA lives in the registry secret (or the cluster secret) instead.
      registryCa: z
        .never({ error: 'is not a prop any more: put the PEM in the registry secret as "certificateAuthority" (or in the cluster secret as "registryCertificateAuthority")' })
        .optional(),
    },
    { error: 'must be an object' },
  )
  .superRefine((v, ctx) => {
    if (v.registryUrl !== undefined && /^http:\/\//i.test(v.registryUrl) && !v.forceInsecure) {
      ctx.addIssue({
        code: 'custom',
        path: ['registryUrl'],
        message: 'an http:// registry would receive the credentials in clear: use https, or set forceInsecure: true to allow it',
      });
    }
  });

/** What {@link parseImagePrunerProps} hands the construct. */
export type ImagePrunerSettings = z.output<typeof imagePrunerLimitsSchema> & z.output<typeof imagePrunerRegistrySchema> & { defaults: RunDefaults };

/**
 * Checks the ImagePruner props the workflow reads and fills in the construct's
 * defaults: the run defaults (keepTagRevisions, keepYoungerThan, all,
 * ignoreInvalidRefs, pruneOverSizeLimit, namespace, pruneRegistry, numWorkers,
 * confirm: what PRUNER_DEFAULT_OPTIONS carries) and the
 * batching (batchSize, itemConcurrency, artifactRetentionDays)
 * and the registry (registryUrl, forceInsecure).
 * Throws InvalidInputError, e.g. `ImagePruner props.batchSize: must be a whole number from 1 to 614`.
 */
export function parseImagePrunerProps(props: object, name = 'ImagePruner props'): ImagePrunerSettings {
  const defaults = parseRunDefaults(props, name);
  return { ...parseWith(imagePrunerRegistrySchema, props, name), ...parseWith(imagePrunerLimitsSchema, props, name), defaults };
}

/** The RegistryStorageTools props the state machines read, with the construct's defaults. */
export const storageToolsPropsSchema = z.object(
  {
    /** Child executions of each Distributed Map at once. */
    mapConcurrency: wholeNumberIn(1, MAX_MAP_CONCURRENCY).default(16),
    /** Blob prefixes per batch task (8: 32 tasks over the 256 prefixes). */
    prefixesPerBatch: wholeNumberIn(1, BLOB_PREFIXES).default(8),
    /** Repositories per batch task. */
    repositoriesPerBatch: wholeNumberIn(1, MAX_ITEMS_PER_BATCH).default(20),
  },
  { error: 'must be an object' },
);

/** What {@link parseStorageToolsProps} hands the construct. */
export type StorageToolsSettings = z.output<typeof storageToolsPropsSchema>;

/** Checks the RegistryStorageTools props the state machines read and fills in defaults. Throws InvalidInputError. */
export function parseStorageToolsProps(props: object, name = 'RegistryStorageTools props'): StorageToolsSettings {
  return parseWith(storageToolsPropsSchema, props, name);
}
