// What both storage tools share: validating the execution input into
// `$.run` + `$.tool`, reading the collected Images and streams back, and
// checking batch events.
import { createHash } from 'node:crypto';
import type { ArtifactStore } from '../../adapters/artifacts/artifact-store.js';
import { getGzipJson } from '../../adapters/artifacts/artifact-store.js';
import { formatDuration, parseDuration } from '../../core/duration.js';
import type { Image, ImageStream } from '../../core/kube-types.js';
import { DEFAULT_KEEP_YOUNGER_THAN_MS } from '../../core/plan-types.js';
import { InvalidInputError } from '../../errors.js';
import { ConcurrentRunError, makeRunId, resolveRunOptions } from '../contracts.js';
import { parseRunContext, parseStartEvent } from '../events.js';
import type { RunningExecutions } from '../refuse-second-run.js';
import type { CollectedGroup, StartResult, StorageTool, StorageToolOptions, ToolState } from './contracts.js';
import { RegistryNotReadOnlyError, STORAGE_TOOL_GROUPS } from './contracts.js';

const INPUT_FIELDS: Record<StorageTool, readonly string[]> = {
  'hard-prune': ['confirm', 'registryReadOnlyConfirmed', 'keepYoungerThan', 'now'],
  fsck: ['confirm', 'namespace', 'now'],
};

type Obj = Record<string, unknown>;

function object(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidInputError(`${field}: must be an object`);
  return v as Obj;
}

function bool(o: Obj, k: string, field: string): boolean {
  if (o[k] === undefined) return false;
  if (typeof o[k] !== 'boolean') throw new InvalidInputError(`${field}.${k}: must be true or false`);
  return o[k] as boolean;
}

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
  const raw = e.input === undefined || e.input === null ? {} : object(e.input, 'execution input');
  for (const k of Object.keys(raw)) {
    if (!INPUT_FIELDS[tool].includes(k)) throw new InvalidInputError(`execution input: unknown field "${k}" (known for ${tool}: ${INPUT_FIELDS[tool].join(', ')})`);
  }
  const confirm = bool(raw, 'confirm', 'execution input');
  const registryReadOnlyConfirmed = bool(raw, 'registryReadOnlyConfirmed', 'execution input');
  if (tool === 'hard-prune' && confirm && !registryReadOnlyConfirmed) throw new RegistryNotReadOnlyError();
  let keepYoungerThan = formatDuration(DEFAULT_KEEP_YOUNGER_THAN_MS);
  if (raw.keepYoungerThan !== undefined) {
    if (typeof raw.keepYoungerThan !== 'string') throw new InvalidInputError('execution input: keepYoungerThan must be a duration string such as "60m"');
    keepYoungerThan = raw.keepYoungerThan;
  }
  const keepYoungerThanMs = parseDuration(keepYoungerThan, 'execution input: keepYoungerThan');
  let namespace: string | undefined;
  if (raw.namespace !== undefined) {
    if (typeof raw.namespace !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(raw.namespace)) {
      throw new InvalidInputError('execution input: namespace must be a namespace name (lower-case letters, digits and -)');
    }
    namespace = raw.namespace;
  }
  // The prune workflow's run context, so its collect task can be reused as is.
  const options = resolveRunOptions({ confirm, keepYoungerThan, ...(raw.now !== undefined ? { now: raw.now } : {}) }, {}, e.startTime);
  const run = { runId: makeRunId(e.startTime, e.executionName), executionId: e.executionId, options };
  const out: StorageToolOptions = { tool, confirm, registryReadOnlyConfirmed, keepYoungerThan, keepYoungerThanMs };
  if (namespace !== undefined) out.namespace = namespace;
  return { run, tool: out };
}

/**
 * The first task of HardPrune and Fsck: {@link startStorageTool}, then "refuse
 * to run twice", as the prune workflow's first state does. Two hard prunes at
 * once would each sweep with marks the other did not see; two fscks would
 * only waste work, but one at a time is simpler to reason about. The input is
 * validated first, so a bad input is named even while another run is going.
 * Throws {@link ConcurrentRunError} when another execution of the same state
 * machine is running.
 */
export async function startStorageToolRun(event: unknown, tool: StorageTool, running: RunningExecutions): Promise<StartResult> {
  const result = startStorageTool(event, tool);
  const others = await running.othersRunning(result.run.executionId);
  if (others.length > 0) throw new ConcurrentRunError(others);
  return result;
}

/** `$.tool` as the start task wrote it, checked again. */
export function parseToolOptions(v: unknown, tool: StorageTool, field = 'event.tool'): StorageToolOptions {
  const o = object(v, field);
  if (o.tool !== tool) throw new InvalidInputError(`${field}.tool: expected "${tool}", got ${JSON.stringify(o.tool)}`);
  const confirm = bool(o, 'confirm', field);
  const registryReadOnlyConfirmed = bool(o, 'registryReadOnlyConfirmed', field);
  if (tool === 'hard-prune' && confirm && !registryReadOnlyConfirmed) throw new RegistryNotReadOnlyError();
  if (typeof o.keepYoungerThan !== 'string') throw new InvalidInputError(`${field}.keepYoungerThan: must be a duration string`);
  const keepYoungerThanMs = parseDuration(o.keepYoungerThan, `${field}.keepYoungerThan`);
  const out: StorageToolOptions = { tool, confirm, registryReadOnlyConfirmed, keepYoungerThan: o.keepYoungerThan, keepYoungerThanMs };
  if (o.namespace !== undefined) {
    if (typeof o.namespace !== 'string') throw new InvalidInputError(`${field}.namespace: must be a string`);
    out.namespace = o.namespace;
  }
  return out;
}

/** `$.run` and `$.tool` of any later task. */
export function parseStartResult(e: Obj, tool: StorageTool, where = 'event'): StartResult {
  return { run: parseRunContext(e.run, `${where}.run`), tool: parseToolOptions(e.tool, tool, `${where}.tool`) };
}

/** The state after collection: run, tool and the collected groups. */
export function parseToolState(event: unknown, tool: StorageTool): ToolState {
  const e = object(event, 'event');
  const start = parseStartResult(e, tool);
  if (!Array.isArray(e.collected)) throw new InvalidInputError('event.collected: must be a list');
  const collected: CollectedGroup[] = e.collected.map((c, i) => {
    const o = object(c, `event.collected[${i}]`);
    if (typeof o.group !== 'string' || typeof o.key !== 'string' || typeof o.count !== 'number') {
      throw new InvalidInputError(`event.collected[${i}]: must have group, key and count`);
    }
    return { group: o.group, key: o.key, count: o.count };
  });
  for (const g of STORAGE_TOOL_GROUPS) {
    if (!collected.some((c) => c.group === g)) throw new InvalidInputError(`event.collected: group "${g}" is missing`);
  }
  return { ...start, collected };
}

/** A batch of a Distributed Map: its items, checked one by one, and the run from BatchInput. */
export function parseToolBatch<T>(event: unknown, tool: StorageTool, item: (v: unknown, field: string) => T): StartResult & { items: T[] } {
  const e = object(event, 'event');
  if (!Array.isArray(e.Items)) throw new InvalidInputError('event.Items: must be a list');
  const bi = object(e.BatchInput, 'event.BatchInput');
  return { ...parseStartResult(bi, tool, 'event.BatchInput'), items: e.Items.map((v, i) => item(v, `event.Items[${i}]`)) };
}

/** Checks a `{prefix}` item: two lower-case hex digits. */
export function checkPrefixItem(v: unknown, field: string): string {
  const p = object(v, field).prefix;
  if (typeof p !== 'string' || !/^[0-9a-f]{2}$/.test(p)) throw new InvalidInputError(`${field}.prefix: must be two lower-case hex digits`);
  return p;
}

/** Checks a `{repository}` item. */
export function checkRepositoryItem(v: unknown, field: string): string {
  const r = object(v, field).repository;
  if (typeof r !== 'string' || r.length === 0 || r.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw new InvalidInputError(`${field}.repository: must be a repository name`);
  }
  return r;
}

/** The Images and image streams the collect tasks stored. */
export async function readCollected(state: ToolState, artifacts: ArtifactStore): Promise<{ images: Image[]; streams: ImageStream[] }> {
  const read = async (group: string) => {
    const key = state.collected.find((c) => c.group === group)!.key;
    const list = await getGzipJson<{ items?: unknown[] }>(artifacts, key);
    return (list.items ?? []) as never[];
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
