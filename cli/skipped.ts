// How the CLI shows a run the run lock skipped (shared/workflow/run-lock.ts):
// one line naming the holder, and its own exit status. Not 0: the run did not
// do what was asked, and a person who ran it by hand must not take it for
// done. Not 1: nothing failed, so a scheduler that runs the command can tell
// "another run was going" from a failure and page nobody for it.
import type { SkippedRun } from '../shared/workflow/run-lock.js';
import type { CliIO } from './io.js';

/** Exit status of a run (or `start --wait`) that the run lock skipped. */
export const EXIT_SKIPPED = 3;

/** Writes "<command>: skipped: <reason>" to stderr and returns {@link EXIT_SKIPPED}. */
export function reportSkipped(io: Pick<CliIO, 'stderr'>, command: string, skipped: SkippedRun): number {
  io.stderr.write(`${command}: skipped: ${skipped.reason} (lease until ${skipped.heldBy.expiresAt})\n`);
  return EXIT_SKIPPED;
}
