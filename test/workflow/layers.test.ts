// The layers and the task tables hold together: shared/ never reaches up into
// cli/, infra/ or functions/; every task id is unique (the generic handler
// finds its row by id); every row is run by some state of its construct and
// every Lambda state runs a row.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCAL_FAILURE_RECORDER_RESOURCE, LOCAL_READER_RESOURCE, LOCAL_RESULT_WRITER_RESOURCE } from '../../cli/local-run/definition.js';
import { localPruneWorkflow } from '../../cli/local-run/runner.js';
import { storageToolWorkflows } from '../../cli/local-run/storage-tools.js';
import { taskById, TASK_TABLES } from '../../shared/workflow/tables/index.js';

const LOCAL_STAND_INS = [LOCAL_READER_RESOURCE, LOCAL_FAILURE_RECORDER_RESOURCE, LOCAL_RESULT_WRITER_RESOURCE];

const ROOT = join(import.meta.dirname, '../..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('the layers', () => {
  const files = tsFiles(join(ROOT, 'shared'));

  it('has files to check', () => {
    expect(files.length).toBeGreaterThan(40);
  });

  it('shared/ imports nothing from cli/, infra/ or functions/', () => {
    const offenders = files.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const specifiers = [...text.matchAll(/from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
      return specifiers.filter((s) => /(^|\/)(cli|infra|functions)\//.test(s)).map((s) => `${relative(ROOT, file)}: ${s}`);
    });
    expect(offenders).toEqual([]);
  });
});

describe('the task tables', () => {
  const rows = Object.values(TASK_TABLES).flatMap((t) => Object.values(t));

  it('give every row an id no other row has, so the handler finds it', () => {
    const ids = [...new Set(rows)].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const row of rows) expect(taskById(row.id)).toBe(row);
    expect(() => taskById('no-such-task')).toThrow(/PRUNER_TASK "no-such-task" names no task/);
  });

  it.each([
    ['prune', () => localPruneWorkflow()],
    ['hardPrune', () => storageToolWorkflows()['hard-prune']],
    ['fsck', () => storageToolWorkflows().fsck],
  ] as const)('%s: every row runs in some state, every Lambda state runs a row', (table, workflow) => {
    const w = workflow();
    const lambdaStates: string[] = [];
    const walk = (states: Record<string, Record<string, unknown>>) => {
      for (const [name, s] of Object.entries(states)) {
        // The local stand-ins for ItemReader and ResultWriter are no Lambda states.
        if (s.Type === 'Task' && String(s.Resource).includes(':lambda:') && !LOCAL_STAND_INS.includes(String(s.Resource))) lambdaStates.push(name);
        for (const b of (s.Branches as { States: Record<string, Record<string, unknown>> }[] | undefined) ?? []) walk(b.States);
        const inner = s.ItemProcessor as { States: Record<string, Record<string, unknown>> } | undefined;
        if (inner) walk(inner.States);
      }
    };
    walk(w.definition.States as Record<string, Record<string, unknown>>);
    expect(lambdaStates.length).toBeGreaterThan(3);
    for (const state of lambdaStates) expect(w.tasks.get(state), state).toBeDefined();
    const used = new Set(lambdaStates.map((s) => w.tasks.get(s)));
    for (const row of Object.values(TASK_TABLES[table])) expect(used.has(row), row.id).toBe(true);
  });
});
