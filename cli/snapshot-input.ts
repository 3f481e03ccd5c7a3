// Reads a snapshot file (a Kubernetes List) into a Snapshot. Three paths: a
// file laid out one item per line, as `collect` writes it, or indented, as
// `oc get -o json` does, is read item by item (cli/snapshot-lines.ts, fastest,
// and never one string); any other layout with JSON.parse when the whole
// input fits in one JavaScript string; and a streaming parser
// (cli/snapshot-stream.ts, loaded only then) that hands `items[*]` one by one
// to the SnapshotBuilder when it does not (V8 caps strings at ~512 MiB, and
// real dumps of big clusters are larger). All give the same snapshot and the
// same errors.
import { constants as bufferConstants } from 'node:buffer';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { InvalidInputError } from '../shared/errors.js';
import type { Snapshot } from '../shared/core/snapshot.js';
import { snapshotFromList } from '../shared/core/snapshot.js';
import { readItemLines } from './snapshot-lines.js';

/**
 * The largest input read with `JSON.parse`. UTF-8 never has fewer bytes than
 * UTF-16 code units, so a file of at most this many bytes fits in a string.
 */
export const MAX_FAST_PATH_BYTES: number = bufferConstants.MAX_STRING_LENGTH;

/** How a snapshot is read. */
export interface ReadSnapshotOptions {
  /**
   * Inputs larger than this many bytes are streamed instead of parsed whole.
   * Defaults to {@link MAX_FAST_PATH_BYTES}; tests lower it to force streaming.
   */
  fastPathMaxBytes?: number;
  /**
   * `false` skips reading item by item (cli/snapshot-lines.ts); tests use it
   * to reach the other two paths with files laid out that way.
   */
  itemLines?: boolean;
}

/** Which path read the snapshot, and how much input there was. */
export interface SnapshotRead {
  snapshot: Snapshot;
  /** `lines`: item by item (cli/snapshot-lines.ts); `whole`: JSON.parse of the whole text; `streamed`: the streaming parser. */
  via: 'lines' | 'whole' | 'streamed';
  bytes: number;
}

const READ_PROBLEMS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'not a regular file' };

/** Says why a file cannot be read, without the errno noise. */
function cannotRead(label: string, err: NodeJS.ErrnoException): InvalidInputError {
  const code = err.code ?? 'error';
  return new InvalidInputError(`${label}: cannot read it (${READ_PROBLEMS[code] ?? code})`, { cause: err });
}

function describeFile(path: string): string {
  return path === '-' ? 'snapshot on stdin' : `snapshot ${path}`;
}

/** Prefixes an input error with the file it came from. */
export function inputError(label: string, err: InvalidInputError): InvalidInputError {
  return new InvalidInputError(`${label}: ${err.message.replace(/^snapshot: /, '')}`, { cause: err });
}

/**
 * Parses a whole List held in memory. Callers decode the bytes once, into one
 * flat string (chunks decoded apart and joined make a rope that JSON.parse
 * must flatten first), and keep no reference to the bytes, so that a garbage
 * collection during the parse may free them. When the text is not JSON, the
 * streaming parser reads it again to say where, in the same words as for a
 * streamed file (JSON.parse's own messages quote the input, which may hold
 * secrets).
 */
export async function snapshotFromText(text: string, label = 'snapshot'): Promise<Snapshot> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const { StreamingSnapshotParser } = await import('./snapshot-stream.js');
    const p = new StreamingSnapshotParser(label, { checkItems: false });
    p.write(text);
    p.end();
    // Unreachable: JSON.parse and the streaming parser follow the same grammar.
    throw new InvalidInputError(`${label}: not valid JSON`);
  }
  try {
    return snapshotFromList(value);
  } catch (err) {
    if (err instanceof InvalidInputError) throw inputError(label, err);
    throw err;
  }
}

/**
 * Reads a List from a stream of unknown size (stdin): collects it while it fits
 * the fast path, and switches to streaming, without rereading, once it does not.
 */
export async function readSnapshotStream(input: Readable, options: ReadSnapshotOptions = {}, label = 'snapshot on stdin'): Promise<SnapshotRead> {
  const limit = options.fastPathMaxBytes ?? MAX_FAST_PATH_BYTES;
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Uint8Array | string>;
  const held: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    held.push(chunk);
    bytes += chunk.byteLength;
    if (bytes > limit) {
      const rest: AsyncIterable<Uint8Array | string> = { [Symbol.asyncIterator]: () => iterator };
      let total = bytes;
      const counted = (async function* () {
        for await (const c of rest) {
          total += typeof c === 'string' ? Buffer.byteLength(c) : c.byteLength;
          yield c;
        }
      })();
      const { streamSnapshot } = await import('./snapshot-stream.js');
      const snapshot = await streamSnapshot(counted, label, held);
      return { snapshot, via: 'streamed', bytes: total };
    }
  }
  const text = Buffer.concat(held.splice(0), bytes).toString('utf8');
  return { snapshot: await snapshotFromText(text, label), via: 'whole', bytes };
}

/** Bytes per read of {@link readTextFile}. */
const READ_CHUNK_BYTES = 1 << 20;

/**
 * A whole UTF-8 file as one flat string. Read synchronously, 1 MiB at a time
 * into one reused buffer, each piece decoded (a character split between reads
 * is carried over) and the pieces joined once: `readFileSync(path).toString()`
 * first fills a fresh buffer the size of the file, and touching that much
 * fresh memory costs more than the decoding (measured 10-20% of read and
 * parse together, at 45 and 450 MB). fs/promises' readFile is slower still: a
 * trip through the event loop every 512 KiB.
 */
function readTextFile(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafeSlow(READ_CHUNK_BYTES);
    const decoder = new StringDecoder('utf8');
    const pieces: string[] = [];
    for (;;) {
      const n = readSync(fd, buffer, 0, READ_CHUNK_BYTES, null);
      if (n === 0) break;
      pieces.push(decoder.write(buffer.subarray(0, n)));
    }
    pieces.push(decoder.end());
    // join makes a flat string: JSON.parse does not first flatten a rope.
    return pieces.join('');
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a snapshot file; `-` is stdin. A file laid out one item per line or
 * indented is read item by item; any other that fits in a string is parsed
 * whole, and a larger one streamed. Throws {@link InvalidInputError} naming the file
 * and, for a bad item, its index, kind, namespace/name and field.
 */
export async function readSnapshotFile(path: string, stdin: Readable, options: ReadSnapshotOptions = {}): Promise<SnapshotRead> {
  const label = describeFile(path);
  if (path === '-') return readSnapshotStream(stdin, options, label);
  const limit = options.fastPathMaxBytes ?? MAX_FAST_PATH_BYTES;
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new InvalidInputError(`${label}: not a regular file`);
    size = st.size;
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    throw cannotRead(label, err as NodeJS.ErrnoException);
  }
  if (options.itemLines !== false) {
    const snapshot = readItemLines(path);
    if (snapshot) return { snapshot, via: 'lines', bytes: size };
  }
  if (size <= limit) {
    let text: string;
    try {
      text = readTextFile(path);
    } catch (err) {
      throw cannotRead(label, err as NodeJS.ErrnoException);
    }
    return { snapshot: await snapshotFromText(text, label), via: 'whole', bytes: size };
  }
  const { streamSnapshot } = await import('./snapshot-stream.js');
  // 1 MiB reads: fewer callbacks into the tokenizer than the 64 KiB default.
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    return { snapshot: await streamSnapshot(stream, label), via: 'streamed', bytes: size };
  } finally {
    stream.destroy();
  }
}
