// image-pruner fsck: runs the Fsck state machine locally (as `image-pruner
// run` does the prune workflow): checks the cluster's Images and image streams
// against the registry's storage and, with --recover (execution input
// `confirm`), tags manifests that storage holds but no tag reaches as
// `lost-found-<hex>` through the cluster API. The tasks are
// shared/workflow/storage-tools/fsck*.ts, the findings shared/core/fsck.ts;
// this file parses the flags and prints the report.
import { lostFoundTag, type TagPointer } from '../../shared/core/fsck.js';
import { openRegistryStorage, type OpenStorageOptions } from '../../shared/adapters/storage/index.js';
import { openFindings, type FsckReport } from '../../shared/workflow/storage-tools/reports.js';
import type { CliIO, Command } from '../io.js';
import { DEFAULT_ARTIFACTS_DIR, openStorageToolPorts } from '../local-run/storage-tool-ports.js';
import { reportSkipped } from '../skipped.js';
import { runFsckLocally, type FsckInput } from '../local-run/storage-tools.js';
import { FSCK_HELP, parseFsckFlags } from './storage-tool-flags.js';

// The flag parsing lives in storage-tool-flags.ts; these names stay importable from here.
export { FSCK_HELP, parseFsckFlags, type FsckFlags } from './storage-tool-flags.js';

function tagList(tags: TagPointer[]): string {
  if (tags.length === 0) return 'no tag';
  return tags.map((t) => `${t.namespace}/${t.name}:${t.tag}${t.index > 0 ? ` (revision ${t.index})` : ''}`).join(', ');
}

/** The report for people: each finding, then what to do about it. */
export function formatFsckReport(r: FsckReport): string {
  const lines = [`fsck of ${r.location} (${r.namespace ? `namespace ${r.namespace}` : 'all namespaces'}${r.recover ? ', recovering' : ', check only'})`, ''];
  for (const f of r.missingImages) {
    lines.push(`BROKEN REVISION ${f.namespace}/${f.name}:${f.tag} revision ${f.index}: Image ${f.image} does not exist${f.manifestInStorage ? ', but storage still holds its manifest' : ''}.`);
    if (f.recreated) lines.push(`  Recovered: Image recreated from the manifest in storage.`);
    else if (f.problem) lines.push(`  Cannot recover: ${f.problem}.`);
    else if (f.manifestInStorage) lines.push(`  To do: pulls of this revision fail. image-pruner fsck --recover recreates the Image from storage (a prune would remove the revision once it is old).`);
    else lines.push(`  To do: pulls of this revision fail. Push the image again if it is needed; a prune removes the revision once it is old.`);
  }
  for (const f of r.missingBlobs) {
    lines.push(`BROKEN IMAGE ${f.image}: missing from storage: ${f.missing.map((m) => `${m.role} ${m.digest}`).join(', ')}.`);
    lines.push(`  Tags: ${tagList(f.tags)}.`);
    lines.push(`  To do: pulls of these tags fail. Push the image again (same content restores the same digest), or re-tag the streams to a good image.`);
  }
  for (const f of r.missingLinks) {
    const kinds = (kind: 'revision' | 'layer') => f.missing.filter((l) => l.kind === kind).map((l) => l.digest);
    const parts = [kinds('revision').length ? `revision link ${kinds('revision').join(', ')}` : '', kinds('layer').length ? `layer link ${kinds('layer').join(', ')}` : ''].filter(Boolean);
    lines.push(`MISSING LINKS ${f.repository}@${f.image}: ${parts.join('; ')} (the blobs are in storage).`);
    lines.push(`  Tags: ${tagList(f.tags)}.`);
    if (f.restored) lines.push(`  Recovered: links written.`);
    else if (f.problem) lines.push(`  Cannot recover: ${f.problem}.`);
    else lines.push(`  To do: pulls of these tags fail (the registry answers 404). image-pruner fsck --recover writes the links again.`);
  }
  for (const f of r.lostManifests) {
    lines.push(`LOST MANIFEST ${f.repository}@${f.digest}: no tag of ${f.streamExists ? 'its image stream' : 'any image stream (there is none)'} reaches it${f.imageExists ? ' (its Image exists)' : ' (its Image is gone too)'}.`);
    if (f.recoveredAs) lines.push(`  Recovered: tagged as ${f.recoveredAs}.`);
    else if (f.problem) lines.push(`  Cannot recover: ${f.problem}. hard-prune removes it.`);
    else lines.push(`  To do: image-pruner fsck --recover tags it as ${f.repository}:${lostFoundTag(f.digest)}; or hard-prune removes it.`);
  }
  for (const f of r.invalidRepositories) {
    lines.push(`INVALID REPOSITORY FOLDER ${f.location}: ${f.reason}; not checked.`);
    lines.push(`  To do: the registry cannot serve it. Move it out of the registry's storage if it is not needed (hard-prune leaves it too).`);
  }
  const total = r.missingImages.length + r.missingBlobs.length + r.missingLinks.length + r.lostManifests.length + r.invalidRepositories.length;
  if (total === 0) lines.push('No problems found.');
  const recovered = r.lostManifests.filter((f) => f.recoveredAs).length + r.missingImages.filter((f) => f.recreated).length + r.missingLinks.filter((f) => f.restored).length;
  lines.push(
    '',
    `Summary: ${r.missingImages.length} broken revision(s), ${r.missingBlobs.length} broken image(s), ${r.missingLinks.length} revision(s) with missing links, ${r.lostManifests.length} lost manifest(s), ${r.invalidRepositories.length} invalid repository folder(s)` +
      `${r.recover ? `, ${recovered} recovered` : ''}; ` +
      `listed ${r.listed.prefixes} blob prefix(es) and ${r.listed.repositories} repositories.`,
  );
  if (r.warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const w of r.warnings) lines.push(`  ${w}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Test seams: the clock, how storage is opened, where runs are kept. */
export interface FsckCommandOptions {
  clock?: () => Date;
  storageOptions?: OpenStorageOptions;
  /** The artifacts folder (default .artifacts, as for `image-pruner run`). */
  artifactsDir?: string;
}

/** Builds the `fsck` command. */
export function makeFsckCommand(opts: FsckCommandOptions = {}): Command {
  return async (argv: string[], io: CliIO) => {
    const flags = parseFsckFlags(argv);
    if (!flags) {
      io.stdout.write(FSCK_HELP);
      return 0;
    }
    const storage = openRegistryStorage(flags.storage, opts.storageOptions);
    const opened = await openStorageToolPorts(
      { command: 'fsck', storage, snapshot: flags.snapshot, cluster: flags.cluster, write: flags.recover, artifactsDir: opts.artifactsDir ?? DEFAULT_ARTIFACTS_DIR },
      io,
    );
    try {
      const input: FsckInput = { confirm: flags.recover };
      if (flags.namespace !== undefined) input.namespace = flags.namespace;
      if (opts.clock) input.now = opts.clock().toISOString();
      const result = await runFsckLocally(input, opened.ports, { prefixConcurrency: flags.concurrency });
      if (result.status === 'skipped' && result.skipped) return reportSkipped(io, 'image-pruner fsck', result.skipped);
      const report = result.output?.report;
      if (report) io.stdout.write(flags.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatFsckReport(report));
      if (result.output) io.stderr.write(`image-pruner fsck: report in ${opened.ports.artifacts.locate(result.output.reportKey)}\n`);
      if (result.status === 'failed') {
        io.stderr.write(`image-pruner fsck: ${result.error?.message ?? 'the run failed'}\n`);
        return 1;
      }
      return report && openFindings(report) > 0 ? 1 : 0;
    } finally {
      await opened.close().catch(() => undefined);
    }
  };
}

/** `image-pruner fsck`. */
export const fsckCommand: Command = makeFsckCommand();
export default fsckCommand;
