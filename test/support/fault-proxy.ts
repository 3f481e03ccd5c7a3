// A small HTTP proxy on loopback in front of a real server, which can be told to
// answer the next requests with an error status, drop their connection, or hold
// them for a while, and which counts what passes (requests, peak concurrency).
// The registry behind it is real; only the faults are made up.
import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What to do with one request instead of (or before) passing it on. */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number };

export interface ProxiedRequest {
  method: string;
  path: string;
  /** The status sent back; undefined when the connection was dropped. */
  status?: number;
  /** The Authorization header as it arrived (tests check the token is sent). */
  authorization?: string;
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Queues faults for the next requests that `match` (default: every request). */
  inject(faults: Fault[], match?: (method: string, path: string) => boolean): void;
  /** Holds every request this long before passing it on (0: none). */
  delayMs: number;
  readonly log: ProxiedRequest[];
  /** Most requests in flight at once since the last reset. */
  readonly maxInFlight: number;
  reset(): void;
  stop(): Promise<void>;
}

/** Starts a proxy on a free 127.0.0.1 port that forwards to `target` (http only). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const queue: Array<{ fault: Fault; match?: (method: string, path: string) => boolean }> = [];
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let maxInFlight = 0;
  const log: ProxiedRequest[] = [];

  const takeFault = (method: string, path: string): Fault | undefined => {
    const i = queue.findIndex((q) => !q.match || q.match(method, path));
    return i < 0 ? undefined : queue.splice(i, 1)[0].fault;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const entry: ProxiedRequest = { method, path, authorization: req.headers.authorization };
    log.push(entry);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const done = () => {
      inFlight--;
    };
    try {
      if (proxy.delayMs > 0) await new Promise((r) => setTimeout(r, proxy.delayMs));
      const fault = takeFault(method, path);
      if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
      if (fault?.kind === 'reset') {
        req.socket.destroy();
        done();
        return;
      }
      if (fault?.kind === 'status') {
        const headers: Record<string, string> = {};
        if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
        if (fault.body !== undefined) headers['content-type'] = 'application/json';
        req.resume();
        res.writeHead(fault.status, headers);
        res.end(fault.body ?? '');
        entry.status = fault.status;
        done();
        return;
      }
      const up = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method,
          path,
          headers: { ...req.headers, host: upstream.host },
          agent,
        },
        (upRes) => {
          entry.status = upRes.statusCode;
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
          upRes.on('end', done);
        },
      );
      up.on('error', () => {
        entry.status = 502;
        if (!res.headersSent) res.writeHead(502);
        res.end();
        done();
      });
      req.pipe(up);
    } catch {
      done();
      res.destroy();
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    delayMs: 0,
    log,
    get maxInFlight() {
      return maxInFlight;
    },
    inject(faults, match) {
      for (const fault of faults) queue.push({ fault, match });
    },
    reset() {
      queue.length = 0;
      log.length = 0;
      maxInFlight = inFlight;
      proxy.delayMs = 0;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
