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
 * Writes a group's objects as parts under `prefix` (one JSON object per line,
 * gzip) as they come, holding at most one part: what a collect task streams
 * its pages into. {@link mark} and {@link rewind} void what was added since a
 * mark (a list that starts again); the parts written after it are written
 * over, and any left beyond the final count are never read.
 */
export class SnapshotChunkWriter {
  private lines: string[] = [];
  private bytes = 0;
  private chunks = 0;
  private count = 0;

  /** `from`: go on after the parts an earlier writer of the same group wrote. */
  constructor(
    private readonly artifacts: ArtifactStore,
    private readonly prefix: string,
    private readonly limits: ChunkLimits = DEFAULT_CHUNK_LIMITS,
    from?: { chunks: number; count: number },
  ) {
    if (from) this.rewind(from);
  }

  /** Adds one object; writes the part it closes. */
  async add(item: unknown): Promise<void> {
    const line = JSON.stringify(item);
    if (this.lines.length > 0 && (this.lines.length >= this.limits.maxItems || this.bytes + line.length > this.limits.maxBytes)) await this.flush();
    this.lines.push(line);
    this.bytes += line.length + 1;
    this.count += 1;
  }

  /** Closes the part in progress and returns where the next one starts: what {@link rewind} goes back to. */
  async mark(): Promise<{ chunks: number; count: number }> {
    await this.flush();
    return { chunks: this.chunks, count: this.count };
  }

  /** Forgets every object added since `to` was marked. */
  rewind(to: { chunks: number; count: number }): void {
    this.lines = [];
    this.bytes = 0;
    this.chunks = to.chunks;
    this.count = to.count;
  }

  /** Writes the last part; how many parts and objects the group has. */
  async finish(): Promise<{ chunks: number; count: number }> {
    return this.mark();
  }

  private async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    await this.artifacts.put(chunkKey(this.prefix, this.chunks), gzipSync(`${this.lines.join('\n')}\n`), 'application/gzip');
    this.chunks += 1;
    this.lines = [];
    this.bytes = 0;
  }
}

/**
 * Writes `items` as parts under `prefix` (one JSON object per line, gzip),
 * each part its own small string. Returns how many parts and objects.
 */
export async function writeSnapshotChunks(artifacts: ArtifactStore, prefix: string, items: Iterable<unknown>, limits: ChunkLimits = DEFAULT_CHUNK_LIMITS): Promise<{ chunks: number; count: number }> {
  const writer = new SnapshotChunkWriter(artifacts, prefix, limits);
  for (const item of items) await writer.add(item);
  return writer.finish();
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
