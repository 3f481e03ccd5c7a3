// The registry storage tools as tables of tasks: state machines "HardPrune"
// and "Fsck" (infra/storage-tools.ts). Both collect Images and ImageStreams
// with a collect task that refuses a cluster which does not serve them, mark
// (or compute what fsck expects), then fan out over blob prefixes and
// repositories, and report.
//
// The storage-tool task functions take their event as the state machine sends
// it and read it through the same parser the row names; the row's parser
// checks it first, so a malformed event is refused before any port is used.
import type { ClusterReader } from '../../adapters/kubernetes/collector.js';
import { InvalidInputError } from '../../errors.js';
import { collectGroup } from '../collect.js';
import * as events from '../events.js';
import { checkPrefixItem, checkRepositoryItem, parseStartResult, parseToolBatch, parseToolState, startStorageToolRun } from '../storage-tools/common.js';
import type { StorageTool } from '../storage-tools/contracts.js';
import * as fsck from '../storage-tools/fsck.js';
import { recoverLostManifests } from '../storage-tools/fsck-recover.js';
import * as hardPrune from '../storage-tools/hard-prune.js';
import { defineTask, RETRY_ARTIFACTS, RETRY_COLLECT, RETRY_RUN_LOCK } from '../task.js';
import { SMALL_TASK_MEMORY_MB } from './prune.js';

/** A parser that checks the event and hands it on as sent. */
function checked(check: (event: unknown) => unknown): (event: unknown) => unknown {
  return (event) => {
    check(event);
    return event;
  };
}

const state = (tool: StorageTool) => checked((e) => parseToolState(e, tool));
const prefixBatch = (tool: StorageTool) => checked((e) => parseToolBatch(e, tool, checkPrefixItem));
const repositoryBatch = (tool: StorageTool) => checked((e) => parseToolBatch(e, tool, checkRepositoryItem));

/**
 * The cluster as the storage tools must see it: a group the cluster does not
 * serve (no Images on a plain Kubernetes cluster) stops the run, since without
 * Images every blob would look unused to hard prune.
 */
export function requireServed(cluster: ClusterReader): ClusterReader {
  return {
    async collectGroup(group) {
      const c = await cluster.collectGroup(group);
      // Not a CollectError: retrying cannot make the cluster serve a kind.
      if (c.skipped.length > 0) throw new InvalidInputError(`collect ${group}: the cluster does not serve ${c.skipped.map((s) => s.kind).join(', ')} (${c.skipped[0].reason}); is it OpenShift?`);
      return c;
    },
  };
}

/** Images or ImageStreams, complete, into the artifacts; a cluster that does not serve them stops the run. */
export const collectServedTask = defineTask({
  id: 'collect-images-and-streams',
  summary: 'List Images or ImageStreams, all pages, into the run artifacts; refuse a cluster that does not serve them',
  parse: events.parseCollectEvent,
  run: (e, p) => collectGroup(e, requireServed(p.cluster), p.artifacts),
  ports: ['cluster', 'artifacts'],
  memoryMb: 2048,
  timeoutMinutes: 15,
  retry: [RETRY_COLLECT, RETRY_ARTIFACTS],
});

const startTask = (tool: StorageTool) =>
  defineTask({
    id: `${tool}-start`,
    summary: `Validate the ${tool} execution input and take the run lock; skip while another run holds it`,
    parse: events.parseStartEvent,
    run: (e, p) => startStorageToolRun(e, tool, p.lock),
    ports: ['lock'],
    memoryMb: SMALL_TASK_MEMORY_MB,
    timeoutMinutes: 1,
    retry: [RETRY_RUN_LOCK],
  });

/** Tasks that read and write run files and read storage. */
const storageTask = { ports: ['artifacts', 'storage'] as const, timeoutMinutes: 15, retry: [RETRY_ARTIFACTS] };

export const HARD_PRUNE_TASKS = {
  start: startTask('hard-prune'),
  collect: collectServedTask,
  mark: defineTask({
    id: 'hard-prune-mark',
    summary: 'Mark every blob an Image or a kept manifest list references',
    parse: state('hard-prune'),
    run: (e, p) => hardPrune.markBlobsInUse(e, p.artifacts, p.storage),
    ...storageTask,
    memoryMb: 3008,
  }),
  sweepBlobs: defineTask({
    id: 'hard-prune-sweep-blobs',
    summary: 'Delete the unmarked, old blobs of a batch of blob prefixes',
    parse: prefixBatch('hard-prune'),
    run: (e, p) => hardPrune.sweepBlobPrefixes(e, p.artifacts, p.storage),
    ...storageTask,
    memoryMb: 2048,
    deletesFromStorage: true,
  }),
  listRepositories: defineTask({
    id: 'hard-prune-list-repositories',
    summary: 'List the repositories of registry storage for the sweep',
    parse: checked((e) => parseStartResult(e, 'hard-prune')),
    run: (e, p) => hardPrune.listRepositoriesForSweep(e, p.artifacts, p.storage),
    ...storageTask,
    memoryMb: 1024,
  }),
  sweepRepositories: defineTask({
    id: 'hard-prune-sweep-repositories',
    summary: 'Delete the links of a batch of repositories to unmarked blobs',
    parse: repositoryBatch('hard-prune'),
    run: (e, p) => hardPrune.sweepRepositories(e, p.artifacts, p.storage),
    ...storageTask,
    memoryMb: 2048,
    deletesFromStorage: true,
  }),
  report: defineTask({
    id: 'hard-prune-report',
    summary: 'Write the hard prune report from the batch results',
    parse: checked((e) => parseStartResult(e, 'hard-prune')),
    run: (e, p) => hardPrune.reportHardPrune(e, p.artifacts, p.storage.location),
    ...storageTask,
    memoryMb: 1024,
    timeoutMinutes: 5,
  }),
} as const;

export const FSCK_TASKS = {
  start: startTask('fsck'),
  collect: collectServedTask,
  expect: defineTask({
    id: 'fsck-expect',
    summary: 'Compute what storage must hold for the cluster Images and streams',
    parse: state('fsck'),
    run: (e, p) => fsck.computeFsckExpectations(e, p.artifacts, p.storage),
    ...storageTask,
    memoryMb: 3008,
  }),
  checkBlobs: defineTask({
    id: 'fsck-check-blobs',
    summary: 'Check a batch of blob prefixes against what the Images need',
    parse: prefixBatch('fsck'),
    run: (e, p) => fsck.checkBlobPrefixes(e, p.artifacts, p.storage),
    ...storageTask,
    memoryMb: 2048,
  }),
  checkRepositories: defineTask({
    id: 'fsck-check-repositories',
    summary: 'Check a batch of repositories for lost manifests',
    parse: repositoryBatch('fsck'),
    run: (e, p) => fsck.checkRepositories(e, p.artifacts, p.storage),
    ...storageTask,
    memoryMb: 2048,
  }),
  recover: defineTask({
    id: 'fsck-recover',
    summary: 'Recover through the cluster API what storage still holds (lost manifests, missing Images), and write missing links (confirm only)',
    parse: state('fsck'),
    run: (e, p) => recoverLostManifests(e, p.artifacts, p.storage, async () => p.clusterCreator),
    ports: ['artifacts', 'storage', 'clusterCreator'],
    writesToStorage: true,
    memoryMb: 1024,
    timeoutMinutes: 15,
    retry: [RETRY_ARTIFACTS],
  }),
  report: defineTask({
    id: 'fsck-report',
    summary: 'Write the fsck report from the batch results',
    parse: checked((e) => parseStartResult(e, 'fsck')),
    run: (e, p) => fsck.reportFsck(e, p.artifacts, p.storage.location),
    ...storageTask,
    memoryMb: 2048,
    timeoutMinutes: 5,
  }),
} as const;
