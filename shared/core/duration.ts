import { InvalidInputError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a Go-style duration as `oc adm prune` takes it (`60m`, `1h30m`, `90s`,
 * `2d`, `0`) into milliseconds. `field` names the flag or property in the error.
 */
export function parseDuration(text: string, field = 'duration'): number {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    consumed = re.lastIndex;
  }
  if (s.length === 0 || consumed !== s.length) {
    throw new InvalidInputError(`${field}: "${text}" is not a duration (examples: 60m, 1h30m, 90s, 2d)`);
  }
  return total;
}

/** Formats milliseconds as the shortest Go-style duration (`1h30m`, `45s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join('');
}
