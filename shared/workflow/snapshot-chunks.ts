// Snapshot groups as chunks: what a collect task lists is stored as gzip JSON
// Lines in numbered parts of bounded size, and read back one part at a time,
// so no task ever holds a whole group in one string (V8 caps a string near
// 512 MiB, about 300,000 stripped Images as one JSON text).
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.js';
import { SnapshotBuilder, type Snapshot } from '../core/snapshot.js';
import { ArtifactsError } from './errors.js';

/** Bounds of one part: whichever is reached first closes it. */
export interface ChunkLimits {
  /** Objects per part (default 5,000). */
  maxItems: number;
  /** Bytes of JSON text per part before compression (default 8 MiB). */
  maxBytes: number;
}

export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { maxItems: 5000, maxBytes: 8 * 1024 * 1024 };

/** Where a group's parts live, and how many there are: what the state carries (small, whatever the group's size). */
export interface ChunkedGroup {
  /** The folder of the parts, ending in `/`. */
  key: string;
  chunks: number;
}

/** The key of part `index` of the group under `prefix`. */
export function chunkKey(prefix: string, index: number): string {
  return `${prefix}part-${String(index).padStart(5, '0')}.jsonl.gz`;
}

/**
 * Writes `items` as parts under `prefix` (one JSON object per line, gzip),
 * each part its own small string. Returns how many parts and objects.
 */
export async function writeSnapshotChunks(artifacts: ArtifactStore, prefix: string, items: Iterable<unknown>, limits: ChunkLimits = DEFAULT_CHUNK_LIMITS): Promise<{ chunks: number; count: number }> {
  let lines: string[] = [];
  let bytes = 0;
  let chunks = 0;
  let count = 0;
  const flush = async () => {
    if (lines.length === 0) return;
    await artifacts.put(chunkKey(prefix, chunks), gzipSync(`${lines.join('\n')}\n`), 'application/gzip');
    chunks += 1;
    lines = [];
    bytes = 0;
  };
  for (const item of items) {
    const line = JSON.stringify(item);
    if (lines.length > 0 && (lines.length >= limits.maxItems || bytes + line.length > limits.maxBytes)) await flush();
    lines.push(line);
    bytes += line.length + 1;
    count += 1;
  }
  await flush();
  return { chunks, count };
}

/**
 * The objects of a chunked group, in the order they were written, one part in
 * memory at a time; each line is parsed on its own. A part that is missing or
 * does not parse is an {@link ArtifactsError} naming it and the line.
 */
export async function* readSnapshotChunks(artifacts: ArtifactStore, group: ChunkedGroup): AsyncGenerator<unknown> {
  for (let i = 0; i < group.chunks; i += 1) {
    const key = chunkKey(group.key, i);
    let text: Buffer;
    try {
      text = gunzipSync(await artifacts.get(key));
    } catch (err) {
      if (err instanceof ArtifactsError) throw err;
      throw new ArtifactsError(key, 'is not gzip-compressed', { cause: err });
    }
    let start = 0;
    let line = 0;
    while (start < text.length) {
      let end = text.indexOf(10, start);
      if (end < 0) end = text.length;
      line += 1;
      if (end > start) {
        let value: unknown;
        try {
          value = JSON.parse(text.toString('utf8', start, end));
        } catch (err) {
          throw new ArtifactsError(key, `line ${line} is not JSON`, { cause: err });
        }
        yield value;
      }
      start = end + 1;
    }
  }
}

/**
 * The snapshot of several chunked groups, each object checked as it is read
 * (shared/core/snapshot.ts): what the plan task and the race guard's re-check
 * plan from.
 */
export async function readSnapshotGroups(artifacts: ArtifactStore, groups: Iterable<ChunkedGroup>): Promise<Snapshot> {
  const builder = new SnapshotBuilder();
  for (const group of groups) {
    let i = 0;
    for await (const item of readSnapshotChunks(artifacts, group)) builder.add(item, i++);
  }
  return builder.build();
}
