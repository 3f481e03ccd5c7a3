// image-pruner explain: why one image, or one stream tag's revisions, stay or
// go. The question operators ask first; it reads the same snapshot and flags as
// `plan` and prints the plan's own reasons, so it can never disagree with it.
import { writeFileSync } from 'node:fs';
import { computePlan } from '../../shared/core/plan.js';
import type { ImageReasons, PlanReasons, RevisionReasons } from '../../shared/core/plan-types.js';
import { isDigest } from '../../shared/core/reference.js';
import { InvalidReferencesError, PrunerError } from '../../shared/errors.js';
import type { CliIO, Command } from '../io.js';
import { UsageError } from '../flags.js';
import { CLUSTER_FLAGS_HELP } from '../cluster-flags.js';
import { formatFlags } from '../flags.js';
import { loadSnapshot, parsePlanFlags, PLAN_FLAGS, type LoadedSnapshot } from './plan.js';

export const EXPLAIN_HELP = `Usage: image-pruner explain TARGET [plan flags]

Says why an image, or the revisions of a stream tag, stay or go, with every
reason the rules give (docs/rules.md), from the same input and flags as plan.
TARGET is an image digest (sha256:...) or a stream tag NAMESPACE/STREAM:TAG.
With --output json it prints {"target", "images", "revisions"}: the entries of
plan's "reasons" field that concern TARGET.

Flags (those of plan; booleans take --flag, --flag=true or --flag=false):
${formatFlags(PLAN_FLAGS)}
${CLUSTER_FLAGS_HELP}
Exit status: 0 explained, 1 bad input or TARGET not in the snapshot, 2 bad flags.
`;

/** What TARGET names: an image by digest, or one tag of one stream. */
export type ExplainTarget = { kind: 'image'; digest: string } | { kind: 'tag'; namespace: string; name: string; tag: string };

const STREAM_TAG = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([^/:@\s]+):([\w][\w.-]{0,127})$/;

/** Parses TARGET; throws {@link UsageError} when it is neither form. */
export function parseExplainTarget(text: string | undefined): ExplainTarget {
  if (text === undefined || text.startsWith('-')) {
    throw new UsageError('give what to explain first: an image digest (sha256:...) or NAMESPACE/STREAM:TAG');
  }
  // Digests are compared in lower case, as the rules compare references (docs/rules.md, "Definitions").
  if (isDigest(text.toLowerCase())) return { kind: 'image', digest: text.toLowerCase() };
  const m = STREAM_TAG.exec(text);
  if (m) return { kind: 'tag', namespace: m[1], name: m[3], tag: m[4] };
  throw new UsageError(`"${text}" is neither an image digest (sha256:<64 hex>) nor NAMESPACE/STREAM:TAG`);
}

/** The part of the plan's reasons that concerns `target`: the image and its revisions, or the tag's revisions and their images. */
export function reasonsFor(reasons: PlanReasons, target: ExplainTarget): { images: ImageReasons[]; revisions: RevisionReasons[] } {
  if (target.kind === 'image') {
    return {
      images: reasons.images.filter((i) => i.image === target.digest),
      revisions: reasons.revisions.filter((r) => r.image === target.digest),
    };
  }
  const revisions = reasons.revisions.filter((r) => r.namespace === target.namespace && r.name === target.name && r.tag === target.tag);
  const digests = new Set(revisions.map((r) => r.image));
  return { images: reasons.images.filter((i) => digests.has(i.image)), revisions };
}

function describeTarget(t: ExplainTarget): string {
  return t.kind === 'image' ? t.digest : `${t.namespace}/${t.name}:${t.tag}`;
}

/** The text a person reads: one block per image, then one per revision, each reason on its own line. */
export function formatExplanation(target: ExplainTarget, found: { images: ImageReasons[]; revisions: RevisionReasons[] }): string {
  const lines: string[] = [];
  const images = found.images;
  const revisions = found.revisions;
  if (target.kind === 'tag') {
    lines.push(`${describeTarget(target)}: ${revisions.length} revision(s), ${revisions.filter((r) => r.verdict === 'removed').length} removed`);
  }
  for (const i of images) {
    lines.push(`image ${i.image}: ${i.verdict === 'stays' ? 'stays' : 'deleted'}`);
    for (const reason of i.reasons) lines.push(`  - ${reason}`);
  }
  if (target.kind === 'image' && images.length === 0) {
    lines.push(`image ${target.digest}: no Image object in the snapshot (only revisions name it)`);
  }
  if (revisions.length > 0) lines.push(target.kind === 'image' ? 'revisions that name it:' : 'revisions:');
  for (const r of revisions) {
    lines.push(`  ${r.namespace}/${r.name}:${r.tag}#${r.index} ${r.image}: ${r.verdict}`);
    for (const reason of r.reasons) lines.push(`    - ${reason}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Options for tests: a fixed clock. */
export interface ExplainCommandOptions {
  clock?: () => Date;
}

/** Builds the `explain` command. */
export function makeExplainCommand(opts: ExplainCommandOptions = {}): Command {
  return async (argv, io: CliIO) => {
    if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help' || argv[0] === '--help=true') {
      io.stdout.write(EXPLAIN_HELP);
      return argv.length === 0 ? 2 : 0;
    }
    const target = parseExplainTarget(argv[0]);
    const flags = parsePlanFlags(argv.slice(1), opts.clock);
    if (!flags) {
      io.stdout.write(EXPLAIN_HELP);
      return 0;
    }
    if (flags.output === 'html') throw new UsageError('flag --output: explain prints table or json, not html');
    let loaded: LoadedSnapshot;
    try {
      loaded = await loadSnapshot(flags, io);
    } catch (err) {
      if (err instanceof UsageError || !(err instanceof PrunerError)) throw err;
      io.stderr.write(`image-pruner explain: ${err.message}\n`);
      return 1;
    }
    let reasons: PlanReasons;
    try {
      reasons = computePlan(loaded.snapshot, flags.options, { reasons: true }).reasons!;
    } catch (err) {
      if (!(err instanceof InvalidReferencesError)) throw err;
      io.stderr.write(`image-pruner explain: ${err.offenders.length} invalid image reference(s); nothing is planned (pass --ignore-invalid-refs to skip them):\n${err.offenders.map((o) => `  ${o}\n`).join('')}`);
      return 1;
    }
    const found = reasonsFor(reasons, target);
    if (found.images.length === 0 && found.revisions.length === 0) {
      io.stderr.write(`image-pruner explain: ${describeTarget(target)} is ${target.kind === 'image' ? 'neither an Image nor a revision' : 'not a tag of any image stream'} in ${loaded.source}\n`);
      return 1;
    }
    const text = flags.output === 'json' ? `${JSON.stringify({ target: describeTarget(target), ...found }, null, 2)}\n` : formatExplanation(target, found);
    if (flags.out !== '-') {
      writeFileSync(flags.out, text);
      io.stderr.write(`image-pruner explain: wrote ${flags.out}\n`);
    } else {
      io.stdout.write(text);
    }
    return 0;
  };
}

/** `image-pruner explain`. */
export const explainCommand: Command = makeExplainCommand();
export default explainCommand;
