// image-pruner collect: reads every object the rules need from a live cluster
// and writes them as a snapshot (a Kubernetes List) that `plan --snapshot`
// reads. Nothing in the cluster is changed.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { snapshotToList } from '../../shared/core/snapshot.js';
import type { Snapshot } from '../../shared/core/snapshot.js';
import { PrunerError } from '../../shared/errors.js';
import { CLUSTER_FLAGS, CLUSTER_FLAGS_HELP, collectFromFlags, pickClusterFlags } from '../cluster-flags.js';
import { formatFlags, parseFlags, UsageError, type FlagSpecs } from '../flags.js';
import type { CliIO, Command } from '../io.js';
import { checkOutputFile } from '../output-path.js';

const FLAGS = {
  out: { type: 'string', metavar: 'FILE', help: 'where to write the snapshot (required)' },
  'page-size': { type: 'int', min: 1, default: 500, help: 'items per list request' },
} as const satisfies FlagSpecs;

export const COLLECT_HELP = `Usage: image-pruner collect --out FILE [cluster flags]

Reads the objects the prune rules read (Images, ImageStreams, Pods, workloads,
Builds, BuildConfigs, LimitRanges) from the cluster, cluster-wide, in pages of 500, and
writes them as a Kubernetes List to FILE ("-" for standard output). Only the
fields the rules read are kept. Kinds the cluster does not serve (e.g. no
DeploymentConfigs) are reported and skipped. A list that cannot be completed
fails the command and no file is written. Then:
  image-pruner plan --snapshot FILE

Flags:
${formatFlags(FLAGS)}
${CLUSTER_FLAGS_HELP}
Exit status: 0 written, 1 the cluster could not be read, 2 bad flags.
`;

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
  // Private from its creation (0600): a snapshot names every image, stream and pod of the cluster.
  const file = createWriteStream(tmp, { mode: 0o600 });
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
  // A UsageError goes up to cli/main.ts: exit status 2.
  const values = parseFlags(argv, { ...FLAGS, ...CLUSTER_FLAGS });
  if (!values) {
    io.stdout.write(COLLECT_HELP);
    return 0;
  }
  const out = values.out;
  if (!out) throw new UsageError('flag --out FILE is required ("-" writes to standard output)');
  // Before any list: a path that cannot be written fails now, not after the collection.
  checkOutputFile('--out', out);
  const collected = await collectFromFlags(pickClusterFlags(values), io, 'collect', { pageSize: values['page-size'] });
  await writeSnapshotFile(out, collected.snapshot, io);
  const total = Object.values(collected.counts).reduce((a, b) => a + b, 0);
  const skipped = collected.skipped.length ? `; skipped: ${collected.skipped.map((s) => s.kind).join(', ')}` : '';
  io.stderr.write(`collect: wrote ${total} objects to ${out === '-' ? 'standard output' : out}${skipped}\n`);
  return 0;
};

export default collectCommand;
