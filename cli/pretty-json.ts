// `JSON.stringify(value, null, 2)`, byte for byte, written out in chunks of
// about 64 KiB. A plan of 100,000 images is ~80 MB of indented JSON: one
// string that size, then a buffer that size to write it, are fresh memory the
// size of the output, and touching fresh memory is what costs most on a busy
// machine (and what pushes a heap that already holds the whole dump into a
// full garbage collection). Here the document is walked in JavaScript and cut
// into small strings that die young; the elements of a list go through
// JSON.stringify itself in runs of about a chunk (native, and several times
// faster than a walk element by element), so escaping is V8's own.
//
// As JSON.stringify does, a value's toJSON(key) is called first; anything that
// is then not a plain object or array (a Date, a Map, a class instance, a raw
// JSON value) is handed to JSON.stringify whole and indented to its depth, so
// the text is always JSON.stringify's.

const GAP = '  ';
/** Chunks are cut at about this many UTF-16 units: small enough to stay in V8's young generation. */
const CHUNK_CHARS = 64 * 1024;

type ToJson = { toJSON?: (key: string) => unknown };
const isRawJson: (v: unknown) => boolean = (JSON as { isRawJSON?: (v: unknown) => boolean }).isRawJSON ?? (() => false);

function isPlainContainer(v: object): boolean {
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v) as unknown;
  return (proto === Object.prototype || proto === null) && !isRawJson(v);
}

/** Collects small strings and hands them on joined, about `limit` units at a time. */
class Chunker {
  private parts: string[] = [];
  private size = 0;
  constructor(
    private readonly write: (chunk: string) => void,
    readonly limit: number,
  ) {}
  push(s: string): void {
    if (this.size > 0 && this.size + s.length > this.limit) this.flush();
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= this.limit) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.write(chunk);
  }
}

/**
 * A list written element by element: the writer calls `each` once and takes
 * each element as it comes, so the elements may be made only then and die
 * right after (the reasons of a big plan, ~70 MB of text, are never held
 * whole). To JSON.stringify it is the array its toJSON collects, the same text.
 */
export class StreamedList<T> {
  constructor(readonly each: (take: (element: T) => void) => void) {}

  toJSON(): T[] {
    const all: T[] = [];
    this.each((e) => all.push(e));
    return all;
  }
}

/** `v` after toJSON, as JSON.stringify sees it (SerializeJSONProperty, step 2); a StreamedList stays itself, to be streamed. */
function resolved(v: unknown, key: string | number): unknown {
  return typeof v === 'object' && v !== null && typeof (v as ToJson).toJSON === 'function' && !(v instanceof StreamedList) ? (v as ToJson).toJSON!(String(key)) : v;
}

/** Whether JSON.stringify leaves a (resolved) value out of an object. */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** Keys quoted once: a plan has a few key names over 100,000s of objects. */
const quotedKeys = new Map<string, string>();
function quotedKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = `${JSON.stringify(k)}: `;
    if (quotedKeys.size < 1024) quotedKeys.set(k, q);
  }
  return q;
}

/** The punctuation of one nesting depth, made once: a plan nests a few levels over 100,000s of containers. */
interface Depth {
  indent: string;
  /** Before the first element of an array or an object, between elements, and the closings. */
  openArray: string;
  openObject: string;
  next: string;
  closeArray: string;
  closeObject: string;
}
const depths: Depth[] = [];
function depth(d: number): Depth {
  let p = depths[d];
  if (p === undefined) {
    const indent = GAP.repeat(d);
    const inner = indent + GAP;
    p = { indent, openArray: `[\n${inner}`, openObject: `{\n${inner}`, next: `,\n${inner}`, closeArray: `\n${indent}]`, closeObject: `\n${indent}}` };
    if (d < 64) depths[d] = p;
  }
  return p;
}

/**
 * Whether resolved `e` may go into a run: JSON.stringify would call no toJSON
 * on `e` itself (that would be a second call, or one with the wrong key), and
 * `e` is no StreamedList. (A StreamedList deeper inside an element is written
 * by its toJSON: the same text, collected rather than streamed; the plan has
 * none there.)
 */
function batchable(e: unknown): boolean {
  return typeof e !== 'object' || e === null || (typeof (e as ToJson).toJSON !== 'function' && !(e instanceof StreamedList));
}

/**
 * The elements of one array at depth `d`, written in runs: a run of batchable
 * elements goes through one native JSON.stringify (many times faster than
 * walking them in JavaScript), its lines indented to the depth; any other
 * element is walked. Runs are sized to come out at about the chunk size.
 */
class ArrayWriter {
  private batch: unknown[] = [];
  private count = 0;
  /** Whether anything of the array is written yet. */
  private started = false;
  /** Elements per run: a first guess, then fitted to the text they made. */
  private runLength = 16;
  constructor(
    private readonly d: number,
    private readonly out: Chunker,
  ) {}

  add(element: unknown): void {
    const e = resolved(element, this.count);
    if (batchable(e)) {
      this.batch.push(e);
      if (this.batch.length >= this.runLength) this.flushRun();
    } else {
      this.flushRun();
      const p = depth(this.d);
      this.out.push(this.started ? p.next : p.openArray);
      this.started = true;
      if (omitted(e)) this.out.push('null');
      else emit(e, this.d + 1, this.out);
    }
    this.count++;
  }

  end(): void {
    this.flushRun();
    this.out.push(this.started ? depth(this.d).closeArray : '[]');
  }

  private flushRun(): void {
    const n = this.batch.length;
    if (n === 0) return;
    // Wrapped in d more lists, the elements come out indented to this depth:
    // "[\n  [\n    e1,\n    e2\n  ]\n]" for d = 1. The d + 1 opening lines
    // ("  ".repeat(k) + "[\n", k = 0..d) and as many closing ones are
    // (d + 1)(d + 2) characters each; what is between is the run's text.
    let wrapped: unknown = this.batch;
    for (let k = 0; k < this.d; k++) wrapped = [wrapped];
    const text = JSON.stringify(wrapped, null, GAP);
    this.batch = [];
    const brackets = (this.d + 1) * (this.d + 2);
    const run = (this.started ? ',\n' : '[\n') + text.slice(brackets, text.length - brackets);
    this.started = true;
    this.out.push(run);
    this.runLength = Math.max(1, Math.min(4096, Math.floor((this.out.limit * n) / run.length)));
  }
}

/**
 * Writes resolved `v` at nesting depth `d`; nothing for a value JSON.stringify
 * leaves out (the caller says `null` in a list). A string or number property
 * goes out in one piece with what precedes it; array elements go in runs
 * ({@link ArrayWriter}).
 */
function emit(v: unknown, d: number, out: Chunker): void {
  if (typeof v !== 'object' || v === null) {
    const text = JSON.stringify(v);
    if (text !== undefined) out.push(text);
    return;
  }
  const p = depth(d);
  if (v instanceof StreamedList) {
    const w = new ArrayWriter(d, out);
    (v as StreamedList<unknown>).each((element) => w.add(element));
    w.end();
    return;
  }
  if (!isPlainContainer(v)) {
    const text = JSON.stringify(v, null, GAP);
    if (text !== undefined) out.push(d === 0 ? text : text.replace(/\n/g, `\n${p.indent}`));
    return;
  }
  if (Array.isArray(v)) {
    const w = new ArrayWriter(d, out);
    for (let i = 0; i < v.length; i++) w.add(v[i]);
    w.end();
    return;
  }
  let first = true;
  for (const k of Object.keys(v)) {
    const e = resolved((v as Record<string, unknown>)[k], k);
    if (omitted(e)) continue;
    const head = (first ? p.openObject : p.next) + quotedKey(k);
    first = false;
    if (typeof e === 'string' || typeof e === 'number') {
      out.push(head + JSON.stringify(e));
      continue;
    }
    out.push(head);
    emit(e, d + 1, out);
  }
  out.push(first ? '{}' : p.closeObject);
}

/**
 * Calls `write` with `JSON.stringify(value, null, 2)` + `end`, in chunks whose
 * concatenation is that text exactly. Writes nothing where JSON.stringify
 * returns undefined.
 */
export function writePrettyJson(value: unknown, write: (chunk: string) => void, end = '', chunkChars = CHUNK_CHARS): void {
  const v = resolved(value, '');
  if (omitted(v)) return;
  const out = new Chunker(write, chunkChars);
  emit(v, 0, out);
  out.push(end);
  out.flush();
}
