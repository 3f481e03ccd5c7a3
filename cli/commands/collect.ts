// image-pruner collect: reads every object the rules need from a live cluster
// and writes them as a snapshot (a Kubernetes List) that `plan --snapshot`
// reads. Nothing in the cluster is changed.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { snapshotToList } from '../../shared/core/snapshot.js';
import type { Snapshot } from '../../shared/core/snapshot.js';
import { PrunerError } from '../../shared/errors.js';
import { CLUSTER_FLAGS, CLUSTER_FLAGS_HELP, ClusterFlagError, collectFromFlags } from '../cluster-flags.js';
import type { CliIO, Command } from '../io.js';

export const COLLECT_HELP = `Usage: image-pruner collect --out FILE [cluster flags]

Reads the objects the prune rules read (Images, ImageStreams, Pods, workloads,
Builds, BuildConfigs) from the cluster, cluster-wide, in pages of 500, and
writes them as a Kubernetes List to FILE ("-" for standard output). Only the
fields the rules read are kept. Kinds the cluster does not serve (e.g. no
DeploymentConfigs) are reported and skipped. A list that cannot be completed
fails the command and no file is written. Then:
  image-pruner plan --snapshot FILE

Flags:
  --out FILE                     where to write the snapshot (required)
  --page-size N                  items per list request (default 500)
  -h, --help                     show this help

${CLUSTER_FLAGS_HELP}
Exit status: 0 written, 1 the cluster could not be read, 2 bad flags.
`;

const FLAGS = {
  ...CLUSTER_FLAGS,
  out: { type: 'string' },
  'page-size': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Writes the List item by item: a big cluster's snapshot may not fit in one string. */
async function writeList(out: Writable, snapshot: Snapshot): Promise<void> {
  const { items, ...envelope } = snapshotToList(snapshot);
  const head = JSON.stringify({ ...envelope, items: [] });
  let chunk = head.slice(0, -2);
  for (let i = 0; i < items.length; i += 1) {
    chunk += `${i ? ',' : ''}\n${JSON.stringify(items[i])}`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.write(`${chunk}\n]}\n`);
}

async function writeSnapshotFile(path: string, snapshot: Snapshot, io: CliIO): Promise<void> {
  if (path === '-') return writeList(io.stdout, snapshot);
  // Write next to the target and rename, so FILE is either complete or absent.
  const tmp = `${path}.${process.pid}.tmp`;
  const file = createWriteStream(tmp);
  try {
    await writeList(file, snapshot);
    file.end();
    await once(file, 'finish');
    await rename(tmp, path);
  } catch (err) {
    file.destroy();
    await rm(tmp, { force: true });
    throw new PrunerError(`collect: cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** `image-pruner collect`. */
export const collectCommand: Command = async (argv, io) => {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    io.stderr.write(`image-pruner collect: ${(err as Error).message} (see image-pruner collect --help)\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(COLLECT_HELP);
    return 0;
  }
  const usage = (m: string): number => {
    io.stderr.write(`image-pruner collect: ${m} (see image-pruner collect --help)\n`);
    return 2;
  };
  const out = values.out as string | undefined;
  if (!out) return usage('flag --out FILE is required ("-" writes to standard output)');
  let pageSize = 500;
  if (values['page-size'] !== undefined) {
    const p = String(values['page-size']);
    if (!/^\d+$/.test(p) || Number(p) < 1) return usage(`flag --page-size: "${p}" is not a whole number >= 1`);
    pageSize = Number(p);
  }
  let collected;
  try {
    collected = await collectFromFlags(values, io, 'collect', { pageSize });
  } catch (err) {
    if (err instanceof ClusterFlagError) return usage(err.message);
    throw err;
  }
  await writeSnapshotFile(out, collected.snapshot, io);
  const total = Object.values(collected.counts).reduce((a, b) => a + b, 0);
  const skipped = collected.skipped.length ? `; skipped: ${collected.skipped.map((s) => s.kind).join(', ')}` : '';
  io.stderr.write(`collect: wrote ${total} objects to ${out === '-' ? 'standard output' : out}${skipped}\n`);
  return 0;
};

export default collectCommand;
