// Times one command in a child process from the outside, as a user would feel
// it: wall time from spawn to exit (startup, module loading and writing the
// output included). The CPU time of the child (user + system) is read from the
// kernel's account of waited-for children, where there is one (Linux /proc);
// it is shown beside the wall time because a shared machine's wall time
// measures the neighbours too.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** One timed run. */
export interface ProcessTime {
  wallMs: number;
  /** User + system CPU time of the child and its own children; undefined off Linux. */
  cpuMs?: number;
}

/** Clock ticks per second of /proc/<pid>/stat: 100 on every Linux Node runs on (USER_HZ). */
const USER_HZ = 100;

/** cutime + cstime of this process (its waited-for children, theirs included), in ms; undefined without /proc. */
function childrenCpuMs(): number | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // The command name (field 2) is in brackets and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 (cutime, cstime); the slice starts at field 3.
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / USER_HZ;
}

/** What a timed command needs besides its argv. */
export interface TimeOptions {
  /** Where its standard output goes: a file path, or /dev/null when omitted. */
  stdoutFile?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `argv` to completion and times it. Throws with the child's stderr when it
 * exits non-zero: a failing command has no time worth reporting.
 */
export function timeProcess(argv: readonly string[], options: TimeOptions = {}): ProcessTime {
  const out = openSync(options.stdoutFile ?? '/dev/null', 'w');
  try {
    const cpu0 = childrenCpuMs();
    const t0 = performance.now();
    const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', out, 'pipe'], env: options.env, maxBuffer: 1 << 20, encoding: 'utf8' });
    const wallMs = performance.now() - t0;
    const cpu1 = childrenCpuMs();
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
    return cpu0 === undefined || cpu1 === undefined ? { wallMs } : { wallMs, cpuMs: cpu1 - cpu0 };
  } finally {
    closeSync(out);
  }
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
