// What both storage tools share: validating the execution input into
// `$.run` + `$.tool`, reading the collected Images and streams back, and
// checking batch events (thin wrappers over ../schemas/storage-tools.ts).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ArtifactStore } from '../../adapters/artifacts/artifact-store.js';
import { readSnapshotChunks } from '../snapshot-chunks.js';
import { formatDuration, parseDuration } from '../../core/duration.js';
import type { Image, ImageStream } from '../../core/kube-types.js';
import { DEFAULT_KEEP_YOUNGER_THAN_MS } from '../../core/plan-types.js';
import { makeRunId, resolveRunOptions } from '../contracts.js';
import { parseStartEvent } from '../events.js';
import type { RunLock, Skipped } from '../run-lock.js';
import { skippedRun } from '../run-lock.js';
import { parseEvent, parseWith } from '../schemas/parse.js';
import { list, object } from '../schemas/primitives.js';
import { prefixItemSchema, repositoryItemSchema, startResultSchema, storageToolInputSchemas, toolOptionsSchema, toolStateSchema } from '../schemas/storage-tools.js';
import type { StartResult, StorageTool, StorageToolOptions, ToolState } from './contracts.js';
import { RegistryNotReadOnlyError } from './contracts.js';

/**
 * Validates the execution input of a storage tool. Unknown fields are an
 * error (a misspelt `confrim` must not silently mean something else), and a
 * hard prune with `confirm` needs `registryReadOnlyConfirmed: true` even
 * though the state machine's Choice already refused that: the task does not
 * trust its caller. Fsck's `confirm` recovers lost manifests through the
 * cluster API; it never changes storage, so it needs no acknowledgement.
 */
export function startStorageTool(event: unknown, tool: StorageTool): StartResult {
  const e = parseStartEvent(event);
  const input = parseWith(storageToolInputSchemas[tool], e.input ?? {}, 'execution input');
  const confirm = input.confirm ?? false;
  const registryReadOnlyConfirmed = 'registryReadOnlyConfirmed' in input ? (input.registryReadOnlyConfirmed ?? false) : false;
  if (tool === 'hard-prune' && confirm && !registryReadOnlyConfirmed) throw new RegistryNotReadOnlyError();
  const keepYoungerThan = ('keepYoungerThan' in input ? input.keepYoungerThan : undefined) ?? formatDuration(DEFAULT_KEEP_YOUNGER_THAN_MS);
  // The prune workflow's run context, so its collect task can be reused as is.
  const options = resolveRunOptions({ confirm, keepYoungerThan, ...(input.now !== undefined ? { now: input.now } : {}) }, {}, e.startTime);
  const run = { runId: makeRunId(e.startTime, e.executionName), executionId: e.executionId, options };
  const out: StorageToolOptions = { tool, confirm, registryReadOnlyConfirmed, keepYoungerThan, keepYoungerThanMs: parseDuration(keepYoungerThan) };
  if ('namespace' in input && input.namespace !== undefined) out.namespace = input.namespace;
  return { run, tool: out };
}

/**
 * The first task of HardPrune and Fsck: {@link startStorageTool}, then the
 * run lock, as the prune workflow's first state does (one lock for the three
 * state machines: they act on the same registry). Two hard prunes at once
 * would each sweep with marks the other did not see, and a hard prune during
 * a prune would sweep while the prune deletes; two fscks would only waste
 * work, but one run at a time is simpler to reason about. The input is
 * validated first, so a bad input is named even while another run holds the
 * lock. Returns `{ skipped }` when another execution holds it.
 */
export async function startStorageToolRun(event: unknown, tool: StorageTool, lock: RunLock): Promise<StartResult | Skipped> {
  const result = startStorageTool(event, tool);
  const taken = await lock.acquire(result.run.executionId);
  if (!taken.acquired) return skippedRun(taken.heldBy);
  return result;
}

// The read-only guard again, on every later task: a hand-edited `$.tool`
// must not turn a check into a sweep of a registry that is taking pushes.
function guardReadOnly<T extends { tool: StorageToolOptions }>(parsed: T): T {
  if (parsed.tool.tool === 'hard-prune' && parsed.tool.confirm && !parsed.tool.registryReadOnlyConfirmed) throw new RegistryNotReadOnlyError();
  return parsed;
}

/** `$.tool` as the start task wrote it, checked again. */
export function parseToolOptions(v: unknown, tool: StorageTool, field = 'event.tool'): StorageToolOptions {
  return guardReadOnly({ tool: parseWith(toolOptionsSchema(tool), v, field) }).tool;
}

/** `$.run` and `$.tool` of any later task; `where` names the object holding them. */
export function parseStartResult(e: unknown, tool: StorageTool, where = 'event'): StartResult {
  return guardReadOnly(parseWith(startResultSchema(tool), e, where));
}

/** The state after collection: run, tool and the collected groups (images and imagestreams among them). */
export function parseToolState(event: unknown, tool: StorageTool): ToolState {
  return guardReadOnly(parseEvent(toolStateSchema(tool), event));
}

// A batch whose items are left to the item check, so each is named as `event.Items[i]`.
const toolBatchEnvelope = (tool: StorageTool) => object({ Items: list(z.unknown()), BatchInput: startResultSchema(tool) });

/** A batch of a Distributed Map: its items, checked one by one, and the run from BatchInput. */
export function parseToolBatch<T>(event: unknown, tool: StorageTool, item: (v: unknown, field: string) => T): StartResult & { items: T[] } {
  const e = parseEvent(toolBatchEnvelope(tool), event);
  guardReadOnly(e.BatchInput);
  return { ...e.BatchInput, items: e.Items.map((v, i) => item(v, `event.Items[${i}]`)) };
}

/** Checks a `{prefix}` item: two lower-case hex digits. */
export function checkPrefixItem(v: unknown, field: string): string {
  return parseWith(prefixItemSchema, v, field).prefix;
}

/** Checks a `{repository}` item: a path that stays inside the registry's layout. */
export function checkRepositoryItem(v: unknown, field: string): string {
  return parseWith(repositoryItemSchema, v, field).repository;
}

/** The Images and image streams the collect tasks stored. */
export async function readCollected(state: ToolState, artifacts: ArtifactStore): Promise<{ images: Image[]; streams: ImageStream[] }> {
  const read = async (group: string) => {
    const items: unknown[] = [];
    for await (const item of readSnapshotChunks(artifacts, state.collected.find((c) => c.group === group)!)) items.push(item);
    return items as never[];
  };
  const [images, streams] = await Promise.all([read('images'), read('imagestreams')]);
  return { images: images as Image[], streams: streams as ImageStream[] };
}

/** The 256 two-hex-digit prefixes of the blob store, as Distributed Map items. */
export const PREFIX_ITEMS: readonly { prefix: string }[] = Array.from({ length: 256 }, (_, i) => ({ prefix: i.toString(16).padStart(2, '0') }));

/** Collects an async iterable. */
export async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** A stable file name for a batch's artifact, from its first item (batches do not overlap); the hash keeps `a/b` and `a_b` apart. */
export function batchName(first: string): string {
  return `${first.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80)}-${createHash('sha256').update(first).digest('hex').slice(0, 12)}`;
}
