// The one place a schema's verdict becomes the project's error: one line that
// names the object and the field path, e.g.
// `event.run.options.keepTagRevisions: must be a whole number >= 0`.
//
// Plain zod rather than @aws-lambda-powertools/parser: the events come straight
// from Step Functions (no API Gateway, SQS or EventBridge envelope for the
// parser's envelopes to unwrap), the same checks run in the CLI and the local
// runner where there is no Lambda middleware, and the parser's `parse` would
// only wrap zod's issues in a ParseError that would have to be unwrapped again:
// Step Functions' Retry/Catch match on the name InvalidInputError.
import type { z } from 'zod';
import { InvalidInputError } from '../../errors.js';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `name` followed by the issue's path: `.key` for keys, `[i]` for list indexes. */
export function describePath(name: string, path: readonly PropertyKey[]): string {
  let out = name;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && IDENTIFIER.test(p)) out += `.${p}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out;
}

/**
 * The one line an InvalidInputError says for `error`: the first issue, where a
 * field nobody knows comes before every other (a misspelt `confrim` explains
 * the rest), then its path under `name` and its message.
 */
export function describeZodError(error: z.ZodError, name: string): string {
  const issue = error.issues.find((i) => i.code === 'unrecognized_keys') ?? error.issues[0];
  if (issue === undefined) return `${name}: is not valid`;
  return `${describePath(name, issue.path)}: ${issue.message.replace(/\s*\n\s*/g, ' ')}`;
}

/**
 * Parses `value` with `schema`; on failure throws {@link InvalidInputError}
 * with one line naming `name` (the object: `event`, `execution input`,
 * `ImagePruner props`) and the field, the ZodError as its cause.
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, name: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidInputError(describeZodError(result.error, name), { cause: result.error });
}

/** {@link parseWith} for the event of a task: the object is called `event`. */
export function parseEvent<S extends z.ZodType>(schema: S, event: unknown): z.output<S> {
  return parseWith(schema, event, 'event');
}
