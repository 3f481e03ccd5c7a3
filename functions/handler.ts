// The entry point of every Lambda function of the project: the construct sets
// PRUNER_TASK to the row the function serves (infra/task-function.ts).
import { ENV } from '../shared/workflow/environment.js';
import { taskById } from '../shared/workflow/tables/index.js';
import { awsPorts } from './aws-ports.js';
import { taskHandler } from './task-handler.js';

export const handler = taskHandler(taskById(process.env[ENV.task]), { ports: awsPorts() });
