// Every task table, and the row a function serves by its id.
import { InvalidInputError } from '../../errors.js';
import type { AnyTask } from '../task.js';
import { PRUNE_TASKS } from './prune.js';
import { RUN_LOCK_TASKS } from './run-lock.js';
import { FSCK_TASKS, HARD_PRUNE_TASKS } from './storage-tools.js';

/** The workflows, each a table of tasks. */
export const TASK_TABLES: Readonly<Record<string, Readonly<Record<string, AnyTask>>>> = {
  prune: PRUNE_TASKS,
  hardPrune: HARD_PRUNE_TASKS,
  fsck: FSCK_TASKS,
  runLock: RUN_LOCK_TASKS,
};

/** The row whose id is `id`, in any table (ids are unique over all of them). */
export function taskById(id: string | undefined): AnyTask {
  for (const table of Object.values(TASK_TABLES)) {
    for (const task of Object.values(table)) if (task.id === id) return task;
  }
  const known = [...new Set(Object.values(TASK_TABLES).flatMap((t) => Object.values(t).map((r) => r.id)))];
  throw new InvalidInputError(`environment: PRUNER_TASK "${id ?? ''}" names no task (known: ${known.join(', ')})`);
}
