// The servers of the aws-scale benchmark, each in its own process so that
// their CPU and memory are not the tasks' (bench/aws-scale.ts starts them):
//
//   tsx bench/aws-scale-serve.ts api N P    -> the fake OpenShift API server with the
//        ScaleCluster of N Images, one stream in P pruned (Images, Pods and Builds generated per page)
//   tsx bench/aws-scale-serve.ts registry   -> a registry stand-in that answers
//        GET /v2/ and accepts every manifest and layer-link DELETE with 202
//
// Each prints one JSON line (where it listens), serves until its stdin closes,
// then prints one JSON line of what it served and exits.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScaleCluster } from './aws-scale-cluster.js';

async function serveApi(images: number, prunedEvery: number): Promise<void> {
  const { startFakeOpenShift } = await import('../test/support/fake-openshift.js');
  const cluster = new ScaleCluster(images, prunedEvery);
  const api = await startFakeOpenShift({ objects: [...cluster.stored()], generated: cluster.generated() });
  process.stdout.write(`${JSON.stringify({ url: api.url, token: api.token, kubeconfigPath: api.kubeconfigPath })}\n`);
  process.stdin.resume();
  await once(process.stdin, 'end');
  const count = (method: string, plural: string): number => api.requests.filter((r) => r.method === method && r.path.includes(`/${plural}`)).length;
  const lists = api.requests.filter((r) => r.method === 'GET' && r.query.limit !== undefined).length;
  process.stdout.write(`${JSON.stringify({ requests: api.requests.length, listPages: lists, imageDeletes: count('DELETE', 'images'), streamUpdates: count('PUT', 'imagestreams') })}\n`);
  // The request log grows with the run; it is read once above and dropped with the process.
  await api.stop();
}

async function serveRegistry(): Promise<void> {
  const counts = { manifests: 0, layerLinks: 0, other: 0 };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    req.resume();
    const json = (code: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(code, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method === 'GET' && (path === '/v2/' || path === '/v2')) return json(200, {});
    if (req.method === 'DELETE' && /^\/v2\/.+\/manifests\/sha256:[0-9a-f]{64}$/.test(path)) {
      counts.manifests += 1;
      res.writeHead(202, { 'content-length': 0 });
      return res.end();
    }
    if (req.method === 'DELETE' && /^\/v2\/.+\/blobs\/sha256:[0-9a-f]{64}$/.test(path)) {
      counts.layerLinks += 1;
      res.writeHead(202, { 'content-length': 0 });
      return res.end();
    }
    counts.other += 1;
    json(404, { errors: [{ code: 'UNSUPPORTED', message: `the aws-scale registry stand-in does not serve ${req.method} ${path}` }] });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
  process.stdin.resume();
  await once(process.stdin, 'end');
  process.stdout.write(`${JSON.stringify(counts)}\n`);
  server.closeAllConnections();
  server.close();
}

const [mode, arg, arg2] = process.argv.slice(2);
if (mode === 'api') await serveApi(Number(arg), Number(arg2 ?? 10));
else if (mode === 'registry') await serveRegistry();
else {
  process.stderr.write('usage: tsx bench/aws-scale-serve.ts api N | registry\n');
  process.exitCode = 2;
}
