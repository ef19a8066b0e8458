/**
 * The HTTP endpoint Prometheus scrapes: GET /metrics answers the text exposition format
 * (prom-client) from one snapshot of the manager taken for that scrape; scrapes that arrive
 * while one is being built share it. Listens on 127.0.0.1 unless another address is given.
 */
import { createServer, type Server } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { CfmError } from '../common/errors.js';
import type { OffloadManager } from '../offload/manager.js';
import { DEFAULT_METRICS_HOST } from './listen.js';
import { observe } from './observer.js';
import { CfmMetrics } from './prom-metrics.js';
import { takeSnapshot } from './snapshot.js';

const gzipAsync = promisify(gzip);
const GZIP_MIN_BYTES = 64 * 1024;

export interface MetricsOptions {
  /** TCP port (0: any free port; see MetricsServer.port). */
  port: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
}

export interface MetricsServer {
  readonly host: string;
  readonly port: number;
  /** http://HOST:PORT/metrics */
  readonly url: string;
  /** The exposition text of one scrape (what GET /metrics answers). */
  scrape(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Serve the metrics of `manager` over HTTP. Rejects with a USAGE CfmError naming the address
 * when it cannot listen (port in use, address not on this host); the manager is not touched.
 */
export async function startMetrics(manager: OffloadManager, o: MetricsOptions): Promise<MetricsServer> {
  const host = o.host ?? DEFAULT_METRICS_HOST;
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new CfmError('USAGE', `metrics port ${o.port} is not 0..65535`);
  const observer = observe(manager);
  const metrics = new CfmMetrics(observer, manager.currentPlan?.switch);
  let inflight: Promise<string> | null = null;
  const scrape = (): Promise<string> => {
    inflight ??= (async () => {
      try {
        metrics.fill(await takeSnapshot(manager));
        return await metrics.registry.metrics();
      } finally {
        inflight = null;
      }
    })();
    return inflight;
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('cfm-offload metrics: /metrics\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: /metrics\n');
      return;
    }
    const gz = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    scrape().then(
      async (body) => {
        const head = { 'content-type': metrics.registry.contentType };
        if (req.method === 'HEAD') return void res.writeHead(200, head).end();
        // Prometheus asks for gzip: at thousands of MEPs the text is megabytes (~1.4 kB a MEP).
        if (gz && body.length > GZIP_MIN_BYTES) res.writeHead(200, { ...head, 'content-encoding': 'gzip' }).end(await gzipAsync(body));
        else res.writeHead(200, head).end(body);
      },
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`status read failed: ${e instanceof Error ? e.message : String(e)}\n`),
    ).catch(() => res.destroy());
  });
  try {
    await listen(server, host, o.port);
  } catch (e) {
    metrics.close();
    observer.release();
    throw e;
  }
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    host, port, url: `http://${shown}:${port}/metrics`, scrape,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      metrics.close();
      observer.release();
    }),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      const why = e.code === 'EADDRINUSE' ? 'the port is in use (another exporter or manager?): choose another --metrics port'
        : e.code === 'EADDRNOTAVAIL' ? 'that address is not on this host'
        : e.code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)'
        : e.message;
      reject(new CfmError('USAGE', `metrics: cannot listen on ${where}: ${why}`, { cause: e }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
