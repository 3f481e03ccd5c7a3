// Runs image-pruner commands in-process with captured streams, as a user would
// see them: exit status, stdout, stderr.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { CliIO, Command } from '../../cli/io.js';
import { main } from '../../cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Input for stdin: text, or a list of chunks (to cut the input at chosen places). */
export type StdinInput = string | Buffer | Array<string | Buffer>;

function stdinOf(input: StdinInput | undefined): Readable {
  if (input === undefined) return Readable.from([]);
  const chunks = Array.isArray(input) ? input : [input];
  return Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
}

/** Runs `image-pruner <argv>` through `main`, or `command` when given; the environment is `env` (default empty). */
export async function runCli(argv: string[], o: { stdin?: StdinInput; command?: Command; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  const out = capture();
  const err = capture();
  const io: CliIO = { stdin: stdinOf(o.stdin), stdout: out.stream, stderr: err.stream, env: o.env ?? {} };
  const code = o.command ? await o.command(argv, io) : await main(argv, io);
  await new Promise((r) => setImmediate(r));
  return { code, stdout: out.text(), stderr: err.text() };
}

/** A temporary folder for snapshot files, removed by the returned cleanup. */
export function tempDir(): { dir: string; file: (name: string, content: string | Buffer) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pruner-cli-'));
  return {
    dir,
    file: (name, content) => {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The instant the shipped example is planned at (docs/plan.md uses the same). */
export const EXAMPLE_NOW = '2026-11-01T00:00:00Z';
export const EXAMPLE = 'examples/cluster.json';

/**
 * The input laid out one item per line, as `collect` writes it, or indented as
 * `oc get -o json` does, when it is an object with an array of items; else as it is.
 */
export function laidOut(input: string, layout: 'lines' | 'indented'): string {
  let list: unknown;
  try {
    list = JSON.parse(input);
  } catch {
    return input;
  }
  if (typeof list !== 'object' || list === null || !Array.isArray((list as { items?: unknown }).items)) return input;
  if (layout === 'indented') return `${JSON.stringify(list, null, 4)}\n`;
  const { items, ...envelope } = list as { items: unknown[] };
  return `${JSON.stringify({ ...envelope, items: [] }).slice(0, -2)}\n${items.map((i) => JSON.stringify(i)).join(',\n')}\n]}\n`;
}
