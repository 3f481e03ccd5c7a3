// Reads a snapshot item by item, by its lines, never holding the whole text:
// a List laid out one item per line, as `collect` writes it (and the bench's
// generator),
//
//   {"apiVersion":"v1","kind":"List","metadata":{},"items":[
//   {...item 0...},
//   {...item 1...}
//   ]}
//
// or indented, as `oc get -o json` writes it, each item from a line `{` to the
// first line with the same indentation and `}`:
//
//   {
//       "apiVersion": "v1",
//       "items": [
//           {
//               "apiVersion": "image.openshift.io/v1",
//               ...
//           },
//           ...
//       ],
//       "kind": "List",
//       ...
//   }
//
// A line feed never occurs inside a JSON string (it must be escaped there), so
// lines and indentation are the text's own structure. Each item's text is
// parsed by itself, from a reused buffer. On this kind of machine touching
// fresh memory is most of what reading a dump costs (a bare `readFileSync` +
// `JSON.parse` of a 47 MB dump spends about two thirds of its time in page
// faults: the bytes, then the string, then the objects); item by item, only
// the objects remain (figures in docs/plan.md).
//
// Anything else (another layout, or anything wrong in the text or an item)
// gives up, and cli/snapshot-input.ts reads the file whole as before, so that
// the snapshot and every error message are exactly those of JSON.parse of the
// whole text. What is accepted is checked to be that text: the head and the
// tail parse together as the List's object whose last `items` is the array
// left open, items are one JSON value each, with one comma between two and
// nothing but JSON whitespace around.
import { closeSync, openSync, readSync } from 'node:fs';
import type { Snapshot } from '../shared/core/snapshot.js';
import { SnapshotBuilder } from '../shared/core/snapshot.js';

/** Bytes per read. */
const READ_BYTES = 1 << 20;
/** The List's head (up to `"items": [`) and tail (from its `]`) are small; a longer one is some other layout. */
const MAX_HEAD_OR_TAIL_BYTES = 1 << 20;

const LINE_FEED = 0x0a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/** JSON's whitespace (RFC 8259): space, tab, line feed, carriage return. Nothing else, unlike String#trim. */
function isJsonSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === LINE_FEED || b === 0x0d;
}

/** Thrown, and caught below, when the text is not a List laid out this way. */
class OtherLayout extends Error {}

function otherLayout(): never {
  throw new OtherLayout();
}

/**
 * A file read forward through one reused buffer. Positions are offsets in the
 * file; bytes before {@link keepFrom} may be dropped to make room.
 */
class Input {
  private buf = Buffer.allocUnsafeSlow(2 * READ_BYTES);
  /** What has been read: buf[0, data.length), which is the file from offset `base`. */
  private data = this.buf.subarray(0, 0);
  private base = 0;
  private eof = false;
  /** The first offset still needed. */
  keepFrom = 0;

  constructor(private readonly fd: number) {}

  /** The offset just past what has been read. */
  get end(): number {
    return this.base + this.data.length;
  }

  /** The offset of the first `needle` at or after `from`, reading on as needed; -1 when the file (or `limit`) comes first. */
  find(needle: number | Buffer, from: number, limit = Infinity): number {
    for (;;) {
      const i = this.data.indexOf(needle, from - this.base);
      if (i !== -1) return this.base + i;
      // Not in what is read: go on from where it could still start.
      from = Math.max(from, this.end - (typeof needle === 'number' ? 1 : needle.length) + 1);
      if (this.end >= limit || !this.more()) return -1;
    }
  }

  /** The offset of the end of the file, when it is at most `limit`; -1 otherwise. */
  findEnd(limit: number): number {
    while (this.end <= limit && this.more());
    return this.end <= limit ? this.end : -1;
  }

  byte(at: number): number {
    return this.data[at - this.base];
  }

  text(from: number, to: number): string {
    return this.data.toString('utf8', from - this.base, to - this.base);
  }

  /** Reads the next piece; false at the end of the file. */
  private more(): boolean {
    if (this.eof) return false;
    let length = this.data.length;
    if (this.buf.length - length < READ_BYTES) {
      // Move what is still needed to the front; more than fits gets a bigger buffer.
      const drop = this.keepFrom - this.base;
      length -= drop;
      const next = length + READ_BYTES > this.buf.length ? Buffer.allocUnsafeSlow(2 * (length + READ_BYTES)) : this.buf;
      this.buf.copy(next, 0, drop, drop + length);
      this.buf = next;
      this.base = this.keepFrom;
    }
    const n = readSync(this.fd, this.buf, length, READ_BYTES, null);
    this.eof = n === 0;
    this.data = this.buf.subarray(0, length + n);
    return !this.eof;
  }
}

/** Walks the List and hands each item to the SnapshotBuilder; throws {@link OtherLayout} on the first thing that does not fit. */
class ItemReader {
  private readonly builder = new SnapshotBuilder();
  /** The List's text up to and including the `[` of its items. */
  private head = '';
  private count = 0;
  /** A comma came after the last item (or before the next). */
  private comma = false;

  constructor(private readonly input: Input) {}

  read(): Snapshot {
    let at = this.readHead();
    for (;;) {
      this.input.keepFrom = at;
      const lf = this.input.find(LINE_FEED, at);
      // The last line may have no line feed; a file that ends before the List's `]` is not one.
      const end = lf === -1 ? this.input.end : lf;
      if (at >= end && lf === -1) otherLayout();
      const next = this.line(at, end);
      if (next === undefined) return this.builder.build();
      at = next;
    }
  }

  /** The head: every line up to the first that ends with `[`. Returns where the next line starts. */
  private readHead(): number {
    let at = 0;
    for (;;) {
      const lf = this.input.find(LINE_FEED, at, MAX_HEAD_OR_TAIL_BYTES);
      if (lf === -1) otherLayout();
      let end = lf;
      while (end > at && isJsonSpace(this.input.byte(end - 1))) end--;
      if (end > at && this.input.byte(end - 1) === OPEN_BRACKET) {
        this.head = this.input.text(0, end);
        return lf + 1;
      }
      at = lf + 1;
    }
  }

  /**
   * The line [start, lf) after the head (lf: its line feed, or the end of the
   * file): blank, a comma, an item (which may go on for more lines), or the
   * `]` that ends the items. Returns where the next line starts, or undefined
   * once the List is read to its end.
   */
  private line(start: number, lf: number): number | undefined {
    const input = this.input;
    let a = start;
    let b = lf;
    while (a < b && isJsonSpace(input.byte(a))) a++;
    while (b > a && isJsonSpace(input.byte(b - 1))) b--;
    if (a < b && input.byte(a) === COMMA) {
      if (this.count === 0 || this.comma) otherLayout();
      this.comma = true;
      a++;
      while (a < b && isJsonSpace(input.byte(a))) a++;
    }
    if (a === b) return lf + 1;
    if (input.byte(a) === CLOSE_BRACKET) {
      this.readTail(a);
      return undefined;
    }
    if (this.count > 0 && !this.comma) otherLayout();
    if (b === a + 1 && input.byte(a) === OPEN_BRACE) return this.indentedItem(start, a, lf);
    const commaAfter = input.byte(b - 1) === COMMA;
    // JSON.parse throws on anything but exactly one value (whitespace around it is allowed).
    this.add(commaAfter ? b - 1 : b, a);
    this.comma = commaAfter;
    return lf + 1;
  }

  /**
   * An item whose line is only `{`: it ends at the first line of the same
   * indentation, then `}` (and perhaps a comma). A layout where that `}` is
   * not the item's own fails to parse, and gives up.
   */
  private indentedItem(start: number, brace: number, lf: number): number {
    const input = this.input;
    const close = Buffer.from(`\n${input.text(start, brace)}}`);
    const at = input.find(close, lf);
    if (at === -1) otherLayout();
    const end = at + close.length;
    this.add(end, brace);
    // After the `}`: nothing, or a comma, on that line.
    const next = input.find(LINE_FEED, end);
    if (next === -1) otherLayout();
    let a = end;
    while (a < next && isJsonSpace(input.byte(a))) a++;
    this.comma = a < next && input.byte(a) === COMMA;
    if (this.comma) a++;
    while (a < next && isJsonSpace(input.byte(a))) a++;
    if (a !== next) otherLayout();
    return next + 1;
  }

  private add(end: number, start: number): void {
    this.builder.add(JSON.parse(this.input.text(start, end)), this.count++);
  }

  /**
   * The tail, from the `]` of the items to the end of the file: with the head
   * it must parse as an object whose `items` is empty, and with a `0` between
   * them as one whose `items` holds one element. Then the array the head left
   * open is the object's `items` (the last one, which JSON.parse keeps when
   * the key is repeated), and the whole text is that object with the items.
   */
  private readTail(bracket: number): void {
    if (this.comma) otherLayout();
    const end = this.input.findEnd(bracket + MAX_HEAD_OR_TAIL_BYTES);
    if (end === -1) otherLayout();
    const tail = this.input.text(bracket, end);
    const itemsOf = (text: string): unknown => {
      const v = JSON.parse(text) as { items?: unknown } | null;
      return typeof v === 'object' && v !== null && !Array.isArray(v) && v.items;
    };
    const empty = itemsOf(`${this.head}${tail}`);
    const one = itemsOf(`${this.head}0${tail}`);
    if (!Array.isArray(empty) || empty.length !== 0 || !Array.isArray(one) || one.length !== 1) otherLayout();
  }
}

/**
 * The snapshot in a file laid out one List item per line, or indented with
 * each item from a line `{` to a line `}` of the same indentation; or
 * `undefined` when the file is laid out otherwise, cannot be read, or
 * anything in it is wrong (the caller then reads it whole, which says what is
 * wrong). Never holds the whole text, so it also reads dumps too big for one
 * JavaScript string.
 */
export function readItemLines(path: string): Snapshot | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return new ItemReader(new Input(fd)).read();
  } catch {
    // Another layout, a bad line or item, an item too long for one string, or the file cannot be read:
    // the whole read says which, in its own words.
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
