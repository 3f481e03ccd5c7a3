// The streaming half of reading a snapshot: a push parser that hands the
// List's `items[*]` one by one to the SnapshotBuilder, for dumps too big for
// one JavaScript string (V8 caps strings at ~512 MiB). Its own module so that
// `plan` on an ordinary dump never loads @streamparser/json
// (cli/snapshot-input.ts imports this only when it streams, or to say where a
// dump is not JSON).
import { Tokenizer, TokenParser, TokenType } from '@streamparser/json';
import { InvalidInputError } from '../shared/errors.js';
import type { Snapshot } from '../shared/core/snapshot.js';
import { SnapshotBuilder } from '../shared/core/snapshot.js';
import { inputError } from './snapshot-input.js';

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

/** Streams a readable (a file or stdin) through {@link StreamingSnapshotParser}; `already` are chunks read before, parsed first. */
export async function streamSnapshot(chunks: AsyncIterable<Uint8Array | string>, label: string, already: Uint8Array[] = []): Promise<Snapshot> {
  const p = new StreamingSnapshotParser(label);
  // Let go of each held chunk once parsed: together they are up to 512 MiB.
  for (let i = 0; i < already.length; i++) {
    p.write(already[i]);
    already[i] = EMPTY;
  }
  for await (const c of chunks) p.write(c);
  return p.end();
}
