// Reads a snapshot laid out one List item per line, as `collect` writes it
// (and the bench's generator):
//
//   {"apiVersion":"v1","kind":"List","metadata":{},"items":[
//   {...item 0...},
//   {...item 1...}
//   ]}
//
// A line feed never occurs inside a JSON string (it must be escaped there), so
// each line can be parsed by itself: the text is never held whole, only one
// line at a time in a reused buffer. On this kind of machine touching fresh
// memory is most of what reading a dump costs (a bare `readFileSync` +
// `JSON.parse` of a 47 MB dump spends about two thirds of its time in page
// faults: the bytes, then the string, then the objects); parsing line by line
// leaves only the objects, and reads and parses the dump in about 60% of the
// time of the bare parse (measured in docs/plan.md).
//
// Anything else (another layout, e.g. the 4-space indentation of
// `oc get -o json`, or anything wrong in the text or an item) gives up and
// lets cli/snapshot-input.ts read the file whole as before, so that the result
// and every error message are exactly those of JSON.parse of the whole text.
import { closeSync, openSync, readSync } from 'node:fs';
import type { Snapshot } from '../shared/core/snapshot.js';
import { SnapshotBuilder } from '../shared/core/snapshot.js';

/** Bytes per read. */
const READ_BYTES = 1 << 20;

const LINE_FEED = 0x0a;
const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/** JSON's whitespace (RFC 8259): space, tab, line feed, carriage return. Nothing else, unlike String#trim. */
function isJsonSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === LINE_FEED || b === 0x0d;
}

/** Thrown, and caught below, when the text is not a List laid out one item per line. */
class NotOneItemPerLine extends Error {}

function notOneItemPerLine(): never {
  throw new NotOneItemPerLine();
}

/** Takes lines one by one and hands each item to the SnapshotBuilder; throws on the first line that does not fit. */
class ItemLines {
  private readonly builder = new SnapshotBuilder();
  private headerRead = false;
  private closed = false;
  private count = 0;
  /** A comma came after the last item (or before the next). */
  private comma = false;

  /** One line: bytes [start, end) of `buf`, without its line feed. */
  line(buf: Buffer, start: number, end: number): void {
    while (start < end && isJsonSpace(buf[start])) start++;
    while (end > start && isJsonSpace(buf[end - 1])) end--;
    if (start === end) return;
    if (this.closed) notOneItemPerLine();
    if (!this.headerRead) {
      this.headerRead = true;
      this.header(buf.toString('utf8', start, end));
      return;
    }
    if (buf[start] === COMMA) {
      if (this.count === 0 || this.comma) notOneItemPerLine();
      this.comma = true;
      start++;
      while (start < end && isJsonSpace(buf[start])) start++;
      if (start === end) return;
    }
    if (buf[start] === CLOSE_BRACKET) {
      // The end of the items and of the List: `]}`, and nothing after it but whitespace.
      start++;
      while (start < end && isJsonSpace(buf[start])) start++;
      if (this.comma || end - start !== 1 || buf[start] !== CLOSE_BRACE) notOneItemPerLine();
      this.closed = true;
      return;
    }
    const commaAfter = buf[end - 1] === COMMA;
    if (commaAfter) end--;
    if (this.count > 0 && !this.comma) notOneItemPerLine();
    // JSON.parse throws on anything but exactly one value (whitespace around it is allowed).
    this.builder.add(JSON.parse(buf.toString('utf8', start, end)), this.count++);
    this.comma = commaAfter;
  }

  /**
   * The first line must open the List's `items` array and end there. Closed
   * with `]}` it must be an object whose `items` is empty; with `0]}`, one
   * whose `items` holds one element: then the array left open is the value of
   * the object's last key, and that key is `items` (the one JSON.parse keeps
   * when a key is repeated).
   */
  private header(text: string): void {
    if (!text.endsWith('[')) notOneItemPerLine();
    const empty = JSON.parse(`${text}]}`) as { items?: unknown };
    const one = JSON.parse(`${text}0]}`) as { items?: unknown };
    const itemsOf = (v: { items?: unknown } | null): unknown => typeof v === 'object' && v !== null && !Array.isArray(v) && v.items;
    const [e, o] = [itemsOf(empty), itemsOf(one)];
    if (!Array.isArray(e) || e.length !== 0 || !Array.isArray(o) || o.length !== 1) notOneItemPerLine();
  }

  end(): Snapshot {
    if (!this.closed) notOneItemPerLine();
    return this.builder.build();
  }
}

/**
 * The snapshot in a file laid out one List item per line, or `undefined` when
 * the file is laid out otherwise, cannot be read, or anything in it is wrong
 * (the caller then reads it whole, which says what is wrong). Never holds the
 * whole text, so it also reads dumps too big for one JavaScript string.
 */
export function readItemLines(path: string): Snapshot | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const lines = new ItemLines();
    let buf = Buffer.allocUnsafeSlow(2 * READ_BYTES);
    // The unfinished line is buf[start, end).
    let start = 0;
    let end = 0;
    for (;;) {
      if (buf.length - end < READ_BYTES) {
        // Move the unfinished line to the front; a line longer than the buffer gets a bigger one.
        const carried = end - start;
        const next = carried + READ_BYTES > buf.length ? Buffer.allocUnsafeSlow(2 * (carried + READ_BYTES)) : buf;
        buf.copy(next, 0, start, end);
        buf = next;
        start = 0;
        end = carried;
      }
      const n = readSync(fd, buf, end, READ_BYTES, null);
      if (n === 0) break;
      const read = buf.subarray(0, end + n);
      for (let nl = read.indexOf(LINE_FEED, end); nl !== -1; nl = read.indexOf(LINE_FEED, start)) {
        lines.line(buf, start, nl);
        start = nl + 1;
      }
      end += n;
    }
    // The last line, when the file does not end with a line feed.
    lines.line(buf, start, end);
    return lines.end();
  } catch {
    // Not this layout, a bad line or item, a line too long for one string, or the file cannot be read:
    // the whole read says which, in its own words.
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
