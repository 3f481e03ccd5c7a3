// The run lock of local runs (cli/local-run/run-lock.ts): the semantics of
// the DynamoDB lock, on numbered files in the artifacts folder. Exactly one
// of many simultaneous takers wins, in one process and across processes; an
// expired lease or a holder whose process is gone is taken over; only the
// holder releases.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderRunLock } from '../../cli/local-run/run-lock.js';

const exec = (name: string) => `arn:local:execution:image-pruner:${name}`;
const T0 = Date.parse('2026-11-30T03:00:00.000Z');

describe('the local run lock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pruner-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const lock = (clock: () => number = () => T0, leaseSeconds = 3600) => new FolderRunLock(dir, { leaseSeconds, now: clock });

  it('lets exactly one of many simultaneous takers in; the others are told who holds it', async () => {
    for (let round = 0; round < 5; round++) {
      const names = Array.from({ length: 16 }, (_, i) => exec(`r${round}-${i}`));
      const outcomes = await Promise.all(names.map((n) => lock().acquire(n)));
      const winners = outcomes.flatMap((o, i) => (o.acquired ? [names[i]] : []));
      expect(winners).toHaveLength(1);
      for (const o of outcomes) if (!o.acquired) expect(o.heldBy.execution).toBe(winners[0]);
      expect(await lock().release(winners[0])).toBe(true);
    }
    // Old files are removed as the lock changes hands: only the newest says anything.
    expect((await readdir(join(dir, '.run-lock'))).filter((f) => f.endsWith('.json')).length).toBeLessThanOrEqual(2);
  });

  it('lets exactly one of several processes in', async () => {
    // Each child takes the lock through the same module and prints what it got, then holds it until told to exit.
    const script = `
      import { FolderRunLock } from ${JSON.stringify(new URL('../../cli/local-run/run-lock.ts', import.meta.url).pathname)};
      const o = await new FolderRunLock(process.argv[1], { leaseSeconds: 60 }).acquire('p-' + process.pid);
      process.stdout.write(JSON.stringify({ acquired: o.acquired }) + '\\n');
      process.stdin.once('data', () => process.exit(0));`;
    const children = Array.from({ length: 4 }, () => spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], { stdio: ['pipe', 'pipe', 'inherit'] }));
    const said = await Promise.all(
      children.map(
        (c) =>
          new Promise<{ acquired: boolean }>((resolve, reject) => {
            c.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()) as { acquired: boolean }));
            c.once('exit', (code) => reject(new Error(`child exited ${code} before answering`)));
          }),
      ),
    );
    for (const c of children) c.stdin.end('bye');
    expect(said.filter((s) => s.acquired)).toHaveLength(1);
  });

  it('keeps the lock until its lease ends, then lets another take it over', async () => {
    await lock(() => T0, 600).acquire(exec('old'));
    expect(await lock(() => T0 + 600_000).acquire(exec('early'))).toMatchObject({ acquired: false, heldBy: { execution: exec('old'), stateMachine: 'image-pruner', expiresAt: '2026-11-30T03:10:00.000Z' } });
    expect(await lock(() => T0 + 600_001).acquire(exec('late'))).toMatchObject({ acquired: true });
    // The old holder's release does not free the new holder's lock.
    expect(await lock(() => T0 + 600_002).release(exec('old'))).toBe(false);
    expect(await lock(() => T0 + 600_003).acquire(exec('third'))).toMatchObject({ acquired: false, heldBy: { execution: exec('late') } });
  });

  it('takes over a lock whose process is gone (the run was killed)', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const entry = { execution: exec('killed'), stateMachine: 'image-pruner', acquiredAt: new Date(T0).toISOString(), expiresAt: new Date(T0 + 3_600_000).toISOString(), pid: Number(gone.stdout), host: hostname() };
    await lock().acquire(exec('probe')).then((o) => lock().release((o as { lease: { execution: string } }).lease.execution));
    const files = (await readdir(join(dir, '.run-lock'))).filter((f) => f.endsWith('.json')).sort();
    const next = Number(files[files.length - 1].slice(0, 12)) + 1;
    await writeFile(join(dir, '.run-lock', `${String(next).padStart(12, '0')}.json`), JSON.stringify(entry));
    expect(await lock().acquire(exec('next'))).toMatchObject({ acquired: true });
    // A live holder on another host is not judged by a pid here: only its lease ends it.
    await lock().release(exec('next'));
    const files2 = (await readdir(join(dir, '.run-lock'))).filter((f) => f.endsWith('.json')).sort();
    const after = Number(files2[files2.length - 1].slice(0, 12)) + 1;
    await writeFile(join(dir, '.run-lock', `${String(after).padStart(12, '0')}.json`), JSON.stringify({ ...entry, host: 'another-host' }));
    expect(await lock().acquire(exec('next2'))).toMatchObject({ acquired: false, heldBy: { execution: exec('killed') } });
  });

  it('releases only for the holder, once; gives the lock again to its holder', async () => {
    await lock().acquire(exec('a'));
    expect(await lock().acquire(exec('a'))).toMatchObject({ acquired: true });
    expect(await lock().release(exec('b'))).toBe(false);
    expect(await lock().acquire(exec('b'))).toMatchObject({ acquired: false });
    expect(await lock().release(exec('a'))).toBe(true);
    expect(await lock().release(exec('a'))).toBe(false);
    expect(await lock().acquire(exec('b'))).toMatchObject({ acquired: true });
  });
});
