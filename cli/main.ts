// image-pruner: the command line. Each command lives in its own file under
// cli/commands/ and is listed once below.
import { PrunerError } from '../shared/errors.js';
import { UsageError } from './flags.js';
import type { CliIO, Command } from './io.js';
import { processIO } from './io.js';

interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
}

const COMMANDS: Record<string, CommandEntry> = {
  // Each entry: name -> one-line summary and a lazy import of the command.
  plan: { summary: 'compute the prune plan from the live cluster or a dump (deletes nothing)', load: async () => (await import('./commands/plan.js')).planCommand },
  explain: { summary: 'say why an image or a stream tag\'s revisions stay or go, every reason (deletes nothing)', load: async () => (await import('./commands/explain.js')).explainCommand },
  collect: { summary: 'read the objects the rules need from a live cluster into a snapshot file', load: async () => (await import('./commands/collect.js')).collectCommand },
  'hard-prune': { summary: 'sweep registry storage of what no Image references (registry read-only)', load: async () => (await import('./commands/hard-prune.js')).hardPruneCommand },
  fsck: { summary: 'check registry storage against the cluster; --recover tags lost manifests', load: async () => (await import('./commands/fsck.js')).fsckCommand },
  run: { summary: 'run the prune workflow (the Step Functions state machine) locally; --confirm deletes', load: async () => (await import('./commands/run.js')).run },
  start: { summary: 'start the prune workflow on AWS Step Functions; --wait follows it', load: async () => (await import('./commands/start.js')).start },
  history: { summary: 'list past prune executions on AWS with status, duration and totals', load: async () => (await import('./commands/history.js')).history },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return [
    'image-pruner: prune unused images from an OpenShift cluster and its registry',
    '',
    'Usage: image-pruner <command> [flags]   (every command takes --help)',
    '',
    'Commands:',
    ...lines,
    '',
    'Dry run is the default everywhere; --confirm deletes.',
    '',
  ].join('\n');
}

/** Runs one command line; returns the exit status. Errors become one line on stderr. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr.write(`image-pruner: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return runCommand(name, await entry.load(), rest, io);
}

/**
 * Runs one command with the errors every command shares turned into one line
 * and an exit status: a flag mistake 2, any other refusal 1. Tests run
 * commands built with test options through this too.
 */
export async function runCommand(name: string, command: Command, argv: string[], io: CliIO): Promise<number> {
  try {
    return await command(argv, io);
  } catch (err) {
    // Every command's flag mistakes end here, so they read and exit alike.
    if (err instanceof UsageError) {
      io.stderr.write(`image-pruner ${name}: ${err.message} (see image-pruner ${name} --help)\n`);
      return 2;
    }
    if (err instanceof PrunerError) {
      io.stderr.write(`image-pruner ${name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

const isEntryPoint = process.argv[1] !== undefined && /image-pruner(\.js)?$|cli[\\/]main\.ts$|dist[\\/]cli\.js$/.test(process.argv[1]);
if (isEntryPoint) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`image-pruner: unexpected error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
