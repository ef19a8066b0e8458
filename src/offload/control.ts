/**
 * Control socket of a running manager: a unix stream socket speaking JSON lines, so `cfm status`
 * and `cfm monitor` (and any script: `socat - UNIX:/run/user/0/cfm-offload.sock`) can reach the
 * process that owns the hardware. Served by `cfm apply --follow` and `cfm run`.
 *
 * Protocol: the client sends one request line {"cmd":"status"} | {"cmd":"monitor"} |
 * {"cmd":"plan"}. status/plan: one reply line {"ok":true,"result":...} then the server closes.
 * monitor: {"ok":true} then one line per fault event {"event":{...}} until the client closes.
 * Errors: {"ok":false,"error":"message"}.
 */
import { existsSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { CfmError } from '../common/errors.js';

export function defaultSocketPath(): string {
  const dir = process.env.XDG_RUNTIME_DIR;
  if (dir) return join(dir, 'cfm-offload.sock');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return `/tmp/cfm-offload-${uid}.sock`;
}

export interface ControlHandlers {
  status(): Promise<unknown>;
  plan?(): Promise<unknown>;
  /** Subscribe to fault events; returns the unsubscribe function. */
  subscribe(fn: (event: unknown) => void): () => void;
}

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

function probe(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function serveControl(path: string, h: ControlHandlers): Promise<ControlServer> {
  if (existsSync(path)) {
    if (await probe(path)) throw new CfmError('USAGE', `a manager is already serving ${path}`);
    unlinkSync(path); // stale socket of a manager that died
  }
  const clients = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    clients.add(sock);
    let buf = '';
    let unsub: (() => void) | null = null;
    const send = (o: unknown) => {
      if (!sock.destroyed) sock.write(JSON.stringify(o) + '\n');
    };
    sock.on('close', () => {
      clients.delete(sock);
      unsub?.();
    });
    sock.on('error', () => sock.destroy());
    sock.on('data', (d) => {
      if (unsub) return; // monitor clients only listen
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      let req: { cmd?: unknown };
      try {
        req = JSON.parse(line) as { cmd?: unknown };
      } catch {
        send({ ok: false, error: 'request is not a JSON line' });
        sock.end();
        return;
      }
      const reply = (p: Promise<unknown>) =>
        p.then(
          (result) => { send({ ok: true, result }); sock.end(); },
          (e: unknown) => { send({ ok: false, error: e instanceof Error ? e.message : String(e) }); sock.end(); },
        );
      if (req.cmd === 'status') void reply(h.status());
      else if (req.cmd === 'plan' && h.plan) void reply(h.plan());
      else if (req.cmd === 'monitor') {
        send({ ok: true });
        unsub = h.subscribe((event) => send({ event }));
      } else {
        send({ ok: false, error: `unknown command ${JSON.stringify(req.cmd)} (status, plan, monitor)` });
        sock.end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new CfmError('USAGE', `cannot listen on ${path}: ${e.message}`)));
    server.listen(path, () => resolve());
  });
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.destroy();
        server.close(() => resolve());
      }),
  };
}

function connect(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(path);
    s.once('connect', () => resolve(s));
    s.once('error', (e: NodeJS.ErrnoException) =>
      reject(new CfmError('UNSUPPORTED', `no manager is running on ${path} (${e.code ?? e.message}); start one with 'cfm apply --follow' or 'cfm run'`)),
    );
  });
}

function lines(sock: net.Socket, onLine: (o: Record<string, unknown>) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) onLine(JSON.parse(line) as Record<string, unknown>);
      }
    });
    sock.once('close', () => resolve());
    sock.once('error', (e) => reject(new CfmError('BACKEND', `control socket: ${e.message}`)));
  });
}

/** One request/reply (status, plan). */
export async function controlRequest(path: string, cmd: 'status' | 'plan'): Promise<unknown> {
  const sock = await connect(path);
  let reply: Record<string, unknown> | undefined;
  const done = lines(sock, (o) => {
    reply ??= o;
  });
  sock.write(JSON.stringify({ cmd }) + '\n');
  await done;
  if (!reply) throw new CfmError('BACKEND', `the manager on ${path} closed without a reply`);
  if (reply.ok !== true) throw new CfmError('BACKEND', `manager: ${String(reply.error)}`);
  return reply.result;
}

/** Stream fault events until the manager goes away or `signal` aborts. */
export async function controlMonitor(path: string, onEvent: (e: unknown) => void, signal?: AbortSignal): Promise<void> {
  const sock = await connect(path);
  signal?.addEventListener('abort', () => sock.destroy(), { once: true });
  const done = lines(sock, (o) => {
    if (o.ok === false) throw new CfmError('BACKEND', `manager: ${String(o.error)}`);
    if ('event' in o) onEvent(o.event);
  });
  sock.write(JSON.stringify({ cmd: 'monitor' }) + '\n');
  await done;
}
