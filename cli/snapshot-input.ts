// Reads a snapshot file (a Kubernetes List) into a Snapshot. Two paths:
// JSON.parse when the whole input fits in one JavaScript string (fast), and a
// streaming parser that hands `items[*]` one by one to the SnapshotBuilder when
// it does not (V8 caps strings at ~512 MiB, and real dumps of big clusters are
// larger). Both give the same snapshot and the same errors.
import { constants as bufferConstants } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Tokenizer, TokenParser, TokenType } from '@streamparser/json';
import { InvalidInputError } from '../shared/errors.js';
import type { Snapshot } from '../shared/core/snapshot.js';
import { SnapshotBuilder, snapshotFromList } from '../shared/core/snapshot.js';

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
}

/** Which path read the snapshot, and how much input there was. */
export interface SnapshotRead {
  snapshot: Snapshot;
  /** `true` when the streaming parser was used. */
  streamed: boolean;
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
function inputError(label: string, err: InvalidInputError): InvalidInputError {
  return new InvalidInputError(`${label}: ${err.message.replace(/^snapshot: /, '')}`, { cause: err });
}

/**
 * Parses a whole List held in memory. When the text is not JSON, the streaming
 * parser reads it again to say where, in the same words as for a streamed file
 * (JSON.parse's own messages quote the input, which may hold secrets).
 */
export function snapshotFromText(text: string, label = 'snapshot'): Snapshot {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
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
 * A push parser: feed it the bytes of a List in chunks, then call `end()` for
 * the snapshot. Items are checked and kept as they complete, so memory holds
 * the snapshot, never the text.
 */
export class StreamingSnapshotParser {
  private readonly builder = new SnapshotBuilder();
  // Buffered strings and numbers: several times faster on dumps, whose manifests
  // are long strings full of escapes (measured with bench/plan.ts --streaming-demo).
  private readonly tokenizer = new Tokenizer({ stringBufferSize: 64 * 1024, numberBufferSize: 64 });
  private readonly parser = new TokenParser({ paths: ['$.kind', '$.items', '$.items.*'], keepStack: false });
  private readonly checkItems: boolean;
  private rootChecked = false;
  private kind: unknown = null;
  private sawItems = false;
  private count = 0;
  /** Byte offset of the last token, to say where the input went wrong. */
  private offset = 0;
  private failure: unknown;

  /** `checkItems: false` only checks the JSON (used to locate a syntax error). */
  constructor(
    private readonly label = 'snapshot',
    options: { checkItems?: boolean } = {},
  ) {
    this.checkItems = options.checkItems ?? true;
    this.tokenizer.onToken = (token) => {
      this.offset = token.offset;
      if (!this.rootChecked) {
        this.rootChecked = true;
        if (token.token !== TokenType.LEFT_BRACE) throw new InvalidInputError('the input must be a JSON object of kind List');
      }
      this.parser.write(token);
    };
    this.parser.onValue = ({ value, key, parent, stack }) => {
      if (stack.length === 1 && key === 'kind') {
        this.kind = value;
      } else if (stack.length === 1 && key === 'items') {
        if (!Array.isArray(value)) this.notAList();
        this.sawItems = true;
      } else if (stack.length === 2 && Array.isArray(parent)) {
        // keepStack:false empties `parent` as it goes, so count positions here.
        if (this.checkItems) this.builder.add(value, this.count);
        this.count++;
      }
    };
    // Errors thrown inside callbacks come back through onError: keep the first.
    const fail = (err: Error): void => {
      this.failure ??= err;
      throw err;
    };
    this.tokenizer.onError = fail;
    this.parser.onError = fail;
  }

  private notAList(): never {
    throw new InvalidInputError(`the input must be a Kubernetes List with an "items" array (kind is ${JSON.stringify(this.kind ?? null)})`);
  }

  /** Turns whatever went wrong into one line; parser messages quote the input, so only say where. */
  private error(err: unknown): InvalidInputError {
    const first = this.failure ?? err;
    if (first instanceof InvalidInputError) return inputError(this.label, first);
    const msg = first instanceof Error ? first.message : String(first);
    if (/mid-parsing|middle of a token|end of input/i.test(msg)) return new InvalidInputError(`${this.label}: not valid JSON (it ends too early)`, { cause: first });
    const at = /absolute position "?(\d+)"?/.exec(msg)?.[1] ?? String(this.offset);
    return new InvalidInputError(`${this.label}: not valid JSON (at byte ${at})`, { cause: first });
  }

  /** Feeds the next chunk of bytes. Throws {@link InvalidInputError} on bad input. */
  write(chunk: Uint8Array | string): void {
    try {
      this.tokenizer.write(chunk);
    } catch (err) {
      throw this.error(err);
    }
  }

  /** Ends the input and returns the snapshot. */
  end(): Snapshot {
    try {
      if (!this.rootChecked) throw new Error('Unexpected end of input');
      if (!this.tokenizer.isEnded) this.tokenizer.end();
      if (!this.parser.isEnded) this.parser.end();
      if (!this.sawItems) this.notAList();
    } catch (err) {
      throw this.error(err);
    }
    return this.builder.build();
  }
}

const EMPTY = new Uint8Array(0);

/** Streams a readable (a file or stdin) through {@link StreamingSnapshotParser}. */
async function streamSnapshot(chunks: AsyncIterable<Uint8Array | string>, label: string, already: Uint8Array[] = []): Promise<Snapshot> {
  const p = new StreamingSnapshotParser(label);
  // Let go of each held chunk once parsed: together they are up to 512 MiB.
  for (let i = 0; i < already.length; i++) {
    p.write(already[i]);
    already[i] = EMPTY;
  }
  for await (const c of chunks) p.write(c);
  return p.end();
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
      const snapshot = await streamSnapshot(counted, label, held);
      return { snapshot, streamed: true, bytes: total };
    }
  }
  const text = Buffer.concat(held, bytes).toString('utf8');
  return { snapshot: snapshotFromText(text, label), streamed: false, bytes };
}

/**
 * Reads a snapshot file; `-` is stdin. Files that fit in a string are parsed
 * whole, larger ones streamed. Throws {@link InvalidInputError} naming the file
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
  if (size <= limit) {
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw cannotRead(label, err);
    });
    return { snapshot: snapshotFromText(text, label), streamed: false, bytes: size };
  }
  // 1 MiB reads: fewer callbacks into the tokenizer than the 64 KiB default.
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    return { snapshot: await streamSnapshot(stream, label), streamed: true, bytes: size };
  } finally {
    stream.destroy();
  }
}
