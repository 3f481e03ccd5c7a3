// What a command talks to, so that tests run commands in-process.
import type { Readable, Writable } from 'node:stream';

export interface CliIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Environment variables (process.env in real use). */
  env: Record<string, string | undefined>;
}

/** A command takes its arguments (after the command name) and returns the exit status. */
export type Command = (argv: string[], io: CliIO) => Promise<number>;

export function processIO(): CliIO {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}
