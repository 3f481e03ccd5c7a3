// The prune workflow (state machine "ImagePruner") as a table of tasks. What
// each task does lives in the module it imports; this table says what each
// needs. infra/image-pruner.ts lays the rows out as states; the generic
// handler and the local runner serve them.
import * as batches from '../batches.js';
import { checkRegistryHealth } from '../check-health.js';
import { collectGroupSlice } from '../collect.js';
import { computePrunePlan } from '../compute-plan.js';
import { recheckPlan } from '../recheck-plan.js';
import * as events from '../events.js';
import { refuseSecondRun } from '../refuse-second-run.js';
import { findRegistry } from '../registry-detection.js';
import { parseEvent } from '../schemas/parse.js';
import { findRegistryEventSchema, healthEventSchema } from '../schemas/prune.js';
import { reportRun } from '../report.js';
import { defineTask, RETRY_ARTIFACTS, RETRY_BATCH, RETRY_COLLECT, RETRY_RUN_LOCK } from '../task.js';

/**
 * The memory of the tasks that hold nothing that grows with the cluster.
 * Not 256: a fresh task process (Node and the generic handler's code) is
 * ~150 MB of RSS before its first event, 0.6 of 256 MB, over the aws-scale
 * benchmark's headroom target of 0.5 (README, "What happens at 1M Images" in
 * docs/workflow.md). These run seconds once per run; the cost is negligible.
 */
export const SMALL_TASK_MEMORY_MB = 512;

/** The first state: validates the execution input, fills in the deployment's defaults, names the run, takes the run lock (or skips). */
export const refuseSecondRunTask = defineTask({
  id: 'refuse-second-run',
  summary: 'Validate the execution input and take the run lock; skip while another run holds it',
  parse: events.parseStartEvent,
  run: (e, p) => refuseSecondRun(e, p.lock, p.settings.defaults),
  ports: ['lock', 'settings'],
  memoryMb: SMALL_TASK_MEMORY_MB,
  timeoutMinutes: 1,
  retry: [RETRY_RUN_LOCK],
});

/** One resource group of the cluster, complete, into the artifacts (one state per group). */
export const collectTask = defineTask({
  id: 'collect',
  summary: 'List one resource group of the cluster, all pages, into the run artifacts',
  parse: events.parseCollectEvent,
  // A long list (a million Images) is read by several invocations in a row: each stops after its slice and hands on.
  run: (e, p) => collectGroupSlice(e, p.cluster, p.artifacts, { sliceSeconds: p.settings.collectSliceSeconds }),
  ports: ['cluster', 'artifacts', 'settings'],
  // One page and one part in memory, whatever the group's size; 2,048 MB also buys more than one vCPU for parsing.
  memoryMb: 2048,
  timeoutMinutes: 15,
  retry: [RETRY_COLLECT, RETRY_ARTIFACTS],
});

/** The registry the run deletes from: the deployment's, else the route the image streams name (`$.registry`). */
export const findRegistryTask = defineTask({
  id: 'find-registry',
  summary: "Choose the registry: the deployment's URL, else the route the image streams name",
  parse: (event: unknown) => parseEvent(findRegistryEventSchema, event),
  run: async (e, p) => findRegistry(e, p.settings.registryUrl),
  ports: ['settings'],
  memoryMb: SMALL_TASK_MEMORY_MB,
  timeoutMinutes: 1,
  retry: [],
});

export const computePlanTask = defineTask({
  id: 'compute-plan',
  summary: 'Compute the prune plan from the snapshot into plan files',
  parse: events.parsePlanEvent,
  run: (e, p) => computePrunePlan(e, p.artifacts),
  ports: ['artifacts'],
  // The whole snapshot and the plan are in memory: 5.1 GB of RSS at 1M Images
  // (bench aws-scale, 2026-11-30; 0.75 GB at 100k), half of Lambda's most,
  // which this is (docs/workflow.md, "What happens at 1M Images").
  memoryMb: 10240,
  timeoutMinutes: 15,
  retry: [RETRY_ARTIFACTS],
});

export const checkHealthTask = defineTask({
  id: 'check-health',
  summary: 'Check the registry answers and blobs can be deleted, before anything is deleted (skipped with pruneRegistry false)',
  // The event names the registry "Find the registry" chose; the ports are made for it.
  parse: (event: unknown) => parseEvent(healthEventSchema, event),
  run: (e, p) => checkRegistryHealth(e.run, p),
  ports: ['registry', 'blobs'],
  memoryMb: SMALL_TASK_MEMORY_MB,
  timeoutMinutes: 1,
  retry: [],
});

/**
 * The race guard: plans again from the lists read again just before the
 * registry deletions (the collect row, `again`) and keeps only what both plans
 * delete (docs/rules.md, "Carrying it out"). Reads every list, like the plan.
 */
export const recheckPlanTask = defineTask({
  id: 'recheck-plan',
  summary: 'Plan again from the lists read again; carry out only what both plans delete',
  parse: events.parseRecheckEvent,
  run: (e, p) => recheckPlan(e, p.artifacts),
  ports: ['artifacts'],
  // Plans again from the lists read again: 4.0 GB of RSS at 1M Images
  // (bench aws-scale), so Lambda's most, as compute-plan.
  memoryMb: 10240,
  timeoutMinutes: 15,
  retry: [RETRY_ARTIFACTS],
});

/** The batch task of each deletion Map: a batch of plan items, carried out with in-task retries. */
const batchTask = { memoryMb: 512, timeoutMinutes: 15, retry: [RETRY_BATCH] } as const;

export const deleteLayerLinksTask = defineTask({
  id: 'delete-layer-links',
  summary: 'Delete a batch of repository layer links through the registry',
  parse: (e: unknown) => events.parseBatchEvent(e, 'layerLinks', events.checkLink),
  run: (e, p) => batches.deleteLayerLinks(e, p.registry, p.settings.itemPolicy),
  ports: ['registry', 'settings'],
  ...batchTask,
});

export const deleteBlobsTask = defineTask({
  id: 'delete-blobs',
  summary: 'Delete a batch of blobs, through the registry or in its storage',
  parse: (e: unknown) => events.parseBatchEvent(e, 'blobs', events.checkBlob),
  run: (e, p) => batches.deleteBlobs(e, p.blobs, p.settings.itemPolicy),
  ports: ['blobs', 'settings'],
  ...batchTask,
  deletesFromStorage: true,
});

export const deleteManifestsTask = defineTask({
  id: 'delete-manifests',
  summary: 'Delete a batch of repository manifest links through the registry',
  parse: (e: unknown) => events.parseBatchEvent(e, 'manifests', events.checkLink),
  run: (e, p) => batches.deleteManifests(e, p.registry, p.settings.itemPolicy),
  ports: ['registry', 'settings'],
  ...batchTask,
});

export const updateImageStreamsTask = defineTask({
  id: 'update-image-streams',
  summary: 'Remove a batch of revisions and tags from image streams',
  parse: (e: unknown) => events.parseBatchEvent(e, 'streamUpdates', events.checkStreamUpdate),
  run: (e, p) => batches.updateImageStreams(e, p.clusterWriter, p.settings.itemPolicy),
  ports: ['clusterWriter', 'settings'],
  ...batchTask,
});

export const deleteImagesTask = defineTask({
  id: 'delete-images',
  summary: 'Delete a batch of Image objects',
  parse: (e: unknown) => events.parseBatchEvent(e, 'images', events.checkImage),
  run: (e, p) => batches.deleteImages(e, p.clusterWriter, p.settings.itemPolicy),
  ports: ['clusterWriter', 'settings'],
  ...batchTask,
});

/** "Report" and "Report the failure": the whole state in, report.json, report.html and metrics out. */
export const reportTask = defineTask({
  id: 'report',
  summary: 'Write report.json, report.html and the run metrics; the execution output',
  parse: events.parseReportEvent,
  run: (e, p) => reportRun(e, p.artifacts, p.metrics),
  ports: ['artifacts', 'metrics'],
  memoryMb: SMALL_TASK_MEMORY_MB,
  timeoutMinutes: 2,
  retry: [RETRY_ARTIFACTS],
});

/** The prune workflow's table, in the order the state machine runs it. */
export const PRUNE_TASKS = {
  refuseSecondRun: refuseSecondRunTask,
  collect: collectTask,
  findRegistry: findRegistryTask,
  computePlan: computePlanTask,
  checkHealth: checkHealthTask,
  recheckPlan: recheckPlanTask,
  deleteLayerLinks: deleteLayerLinksTask,
  deleteBlobs: deleteBlobsTask,
  deleteManifests: deleteManifestsTask,
  updateImageStreams: updateImageStreamsTask,
  deleteImages: deleteImagesTask,
  report: reportTask,
} as const;

/** The batch task inside each deletion Map. */
export const BATCH_TASKS = {
  layerLinks: deleteLayerLinksTask,
  blobs: deleteBlobsTask,
  manifests: deleteManifestsTask,
  streamUpdates: updateImageStreamsTask,
  images: deleteImagesTask,
} as const;
