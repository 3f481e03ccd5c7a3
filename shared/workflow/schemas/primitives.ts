// The building blocks every schema of the workflows is made of, each with the
// message a person reads when the value is wrong (the path is added by
// parseWith). Whole numbers are safe integers; durations and timestamps are
// checked here, so a schema that says "duration" never lets "soon" through.
import { z } from 'zod';
import { parseDuration } from '../../core/duration.js';

/** A string with at least one character. */
export const nonEmptyString = z.string({ error: 'must be a non-empty string' }).min(1, { error: 'must be a non-empty string' });

/** true or false, nothing truthy. */
export const bool = z.boolean({ error: 'must be true or false' });

/** A safe integer >= 0 (a count, a revision number). */
export const wholeNumber = z.int({ error: 'must be a whole number >= 0' }).min(0, { error: 'must be a whole number >= 0' });

/** A safe integer from `min` to `max` (a batch size, a concurrency). */
export function wholeNumberIn(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  const says = max === Number.MAX_SAFE_INTEGER ? `must be a whole number >= ${min}` : `must be a whole number from ${min} to ${max}`;
  return z.int({ error: says }).min(min, { error: says }).max(max, { error: says });
}

/** True when `text` is a Go-style duration as `oc adm prune` takes it (`60m`, `1h30m`, `0`). */
export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

/** A duration string such as `60m` or `1h30m`; kept as written. */
export const duration = z
  .string({ error: 'must be a duration such as "60m" or "1h30m"' })
  .refine(isDuration, { error: (iss) => `${JSON.stringify(iss.input)} is not a duration (examples: 60m, 1h30m, 90s, 2d)` });

// Date, time to at least the minute, optional seconds and fraction, and a zone.
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/;

/**
 * The instant an ISO-8601 timestamp with a zone names, in milliseconds, or
 * undefined when `text` is not one. Every field must be in range for its
 * month: `Date.parse` silently turns 2026-02-30 into March 2nd, so the fields
 * are put together again and must come back unchanged.
 */
export function parseIsoTimestamp(text: string): number | undefined {
  const m = ISO_8601.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const local = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear does not.
  local.setUTCFullYear(year);
  const roundTrips =
    local.getUTCFullYear() === year &&
    local.getUTCMonth() === month - 1 &&
    local.getUTCDate() === day &&
    local.getUTCHours() === hour &&
    local.getUTCMinutes() === minute &&
    local.getUTCSeconds() === second;
  if (!roundTrips) return undefined;
  if (m[8] === 'Z') return local.getTime();
  const [offsetHours, offsetMinutes] = [Number(m[10]), Number(m[11])];
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const sign = m[9] === '-' ? -1 : 1;
  return local.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

const TIMESTAMP_SAYS = 'must be an ISO-8601 timestamp with a zone, such as 2026-11-01T00:00:00Z';

/** An ISO-8601 timestamp with a zone, normalised to `toISOString()` (UTC, milliseconds). */
export const timestamp = z
  .string({ error: TIMESTAMP_SAYS })
  .refine((t) => parseIsoTimestamp(t) !== undefined, { error: (iss) => `${JSON.stringify(iss.input)} ${TIMESTAMP_SAYS.replace('must be', 'is not')}` })
  .transform((t) => new Date(parseIsoTimestamp(t)!).toISOString());

/** A list, each element checked by `item`. */
export function list<T extends z.ZodType>(item: T) {
  return z.array(item, { error: 'must be a list' });
}

/** An object with `shape`; other keys are dropped (events carry the whole state, of which a task reads part). */
export function object<S extends z.ZodRawShape>(shape: S) {
  return z.object(shape, { error: 'must be an object' });
}

/** `unknown field "confrim" (known: confirm, ...)`. */
export function unknownFields(keys: readonly string[], known: readonly string[]): string {
  const names = keys.map((k) => JSON.stringify(k)).join(', ');
  return `unknown field${keys.length > 1 ? 's' : ''} ${names} (known: ${known.join(', ')})`;
}

/**
 * An object with `shape` and nothing else: what a person writes (an execution
 * input, construct props), where a misspelt `confrim` must not silently mean a
 * dry run... or worse.
 */
export function strictObject<S extends z.ZodRawShape>(shape: S) {
  const known = Object.keys(shape);
  return z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? unknownFields(iss.keys, known) : 'must be an object') });
}
