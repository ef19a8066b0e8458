/**
 * Control socket of a running manager: a unix stream socket speaking JSON lines, so `cfm status`,
 * `cfm monitor`, `cfm loopback`, `cfm linktrace`, `cfm mep ...` and `cfm cc ...` (and any script:
 * `socat - UNIX:/run/user/0/cfm-offload.sock`) can reach the process that owns the hardware.
 * Served by `cfm apply --follow` and `cfm run`. See docs/oam-cli.md.
 *
 * Protocol: the client sends one request line, the server answers and closes.
 *   {"cmd":"status"} | {"cmd":"plan"}   -> {"ok":true,"result":...}
 *   {"cmd":"ops"}                       -> {"ok":true,"result":OpsSnapshot|null} (CPU-protection counters, debug decoder)
 *   {"cmd":"dry-run","config":PATH}     -> {"ok":true,"result":{"text","json","refused"}} (what applying PATH would do; nothing changes)
 *   {"cmd":"monitor"}                   -> {"ok":true} then {"event":{...}} per fault event until the client closes
 *   {"cmd":"loopback","mep":KEY,...}    -> {"reply":{...}} per LBR as it arrives, then {"ok":true,"result":LoopbackResult}
 *   {"cmd":"linktrace","mep":KEY,...}   -> {"ok":true,"result":LinktraceResult}
 *   {"cmd":"change","change":{...}}     -> {"ok":true,"result":ChangeSummary}
 * Errors: {"ok":false,"error":"message","code":"USAGE"} (code: the CfmError code, when there is one).
 * loopback/linktrace/change are optional handlers: a manager without them answers
 * "... is not supported by this manager".
 */
import net from 'node:net';
import { join } from 'node:path';
import { CfmError, type CfmErrorCode } from '../common/errors.js';
import type { LoopbackOptions, LoopbackReply, LoopbackResult } from '../engine/mep-lb.js';
import type { LinktraceOptions, LinktraceResult } from '../engine/mep-lt.js';
import { lockTransitions, type ConfigChange, type LockTransition, type MepChange } from './changes.js';
import type { CfmModel } from '../config/model.js';
import type { ApplyReport, MepMove } from './manager.js';
import type { OpsSnapshot } from './ops.js';
import { assertSocketFree, claimSocketPath } from './control-path.js';

export { assertSocketFree };

export function defaultSocketPath(): string {
  const dir = process.env.XDG_RUNTIME_DIR;
  if (dir) return join(dir, 'cfm-offload.sock');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return `/tmp/cfm-offload-${uid}.sock`;
}

/** A change to a running manager's config (OffloadManager.change, src/offload/changes.ts). */
export type MepChangeRequest = MepChange;
export type ConfigChangeRequest = ConfigChange;

/** What a change did, as sent over the socket (the ApplyReport without the plan). */
export interface ChangeSummary {
  ops: Array<{ kind: string; key: string }>;
  moves: MepMove[];
  adopted: string[];
  softwareStarted: string[];
  softwareStopped: string[];
  /** The locks the change asked for, with each MEP's lock before it (an unlock of an unlocked MEP does nothing). */
  locks?: LockTransition[];
}

export function changeSummary(rep: ApplyReport): ChangeSummary {
  return {
    ops: rep.ops.map((op) => ({ kind: op.kind, key: op.key })),
    moves: rep.moves,
    adopted: rep.adopted,
    softwareStarted: rep.softwareStarted,
    softwareStopped: rep.softwareStopped,
  };
}

export interface ControlHandlers {
  status(): Promise<unknown>;
  plan?(): Promise<unknown>;
  /** Subscribe to fault events; returns the unsubscribe function. */
  subscribe(fn: (event: unknown) => void): () => void;
  /** Loopback from MEP `mep`; `onReply` for each LBR as it arrives. */
  loopback?(mep: string, opts: LoopbackOptions, onReply: (r: LoopbackReply) => void): Promise<LoopbackResult>;
  linktrace?(mep: string, opts: LinktraceOptions): Promise<LinktraceResult>;
  change?(change: ConfigChangeRequest): Promise<ChangeSummary>;
  /** CPU-protection counters and debug decoder statistics (null: the operator features do not run). */
  ops?(): Promise<OpsSnapshot | null>;
  /** What applying the config file at `config` would do against this manager's live state (nothing is changed). */
  dryRun?(config: string): Promise<unknown>;
  /** Y.1731 tests and results ({"cmd":"y1731",...}: src/offload/y1731/service.ts, docs/y1731.md). */
  y1731?(req: Record<string, unknown>): Promise<unknown>;
}

/** The parts of an OffloadManager the OAM handlers use (change: when the manager has it). */
export interface OamManager {
  loopback(key: string, o: LoopbackOptions & { onReply?: (r: LoopbackReply) => void }): Promise<LoopbackResult>;
  linktrace(key: string, o: LinktraceOptions): Promise<LinktraceResult>;
  change?(c: ConfigChangeRequest): Promise<ApplyReport>;
  /** The running config (for the lock state a change reports). */
  readonly currentModel?: CfmModel | null;
  readonly ops?: { snapshot(): Promise<OpsSnapshot | undefined> };
  readonly y1731?: { request(req: Record<string, unknown>): Promise<unknown> };
}

/** loopback/linktrace/change handlers of a manager: spread them into serveControl's handlers. */
export function oamHandlers(m: OamManager): Pick<ControlHandlers, 'loopback' | 'linktrace' | 'change' | 'ops' | 'y1731'> {
  const ops = m.ops;
  const y = m.y1731;
  const h: Pick<ControlHandlers, 'loopback' | 'linktrace' | 'change' | 'ops' | 'y1731'> = {
    ...(y ? { y1731: (req: Record<string, unknown>) => y.request(req) } : {}),
    ...(ops ? { ops: async () => (await ops.snapshot()) ?? null } : {}),
    loopback: (mep, opts, onReply) => m.loopback(mep, { ...opts, onReply }),
    linktrace: (mep, opts) => m.linktrace(mep, opts),
  };
  if (typeof m.change === 'function') {
    const change = m.change.bind(m);
    h.change = async (c) => {
      const locks = lockTransitions(m.currentModel ?? null, c); // read before the change runs
      const s = changeSummary(await change(c));
      return locks.length ? { ...s, locks } : s;
    };
  }
  return h;
}

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

// ------------------------------------------------------------------ request validation

type Req = Record<string, unknown>;
const MAC_RE = /^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i;

function bad(msg: string): never {
  throw new CfmError('USAGE', msg);
}

function optInt(req: Req, field: string, min: number, max: number): number | undefined {
  const v = req[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(`${req.cmd as string}: "${field}" ${JSON.stringify(v)} is not an integer ${min}..${max}`);
  return v;
}

function optBool(req: Req, field: string): boolean | undefined {
  const v = req[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') bad(`${req.cmd as string}: "${field}" must be true or false`);
  return v;
}

function mepKey(req: Req): string {
  const k = req.mep;
  if (typeof k !== 'string' || !/^[^/]+\/[^/]+\/\d+$/.test(k)) bad(`${req.cmd as string}: "mep" must be a MEP key "<md>/<ma>/<mepid>", not ${JSON.stringify(k)}`);
  return k;
}

function optMac(req: Req, field: string): string | undefined {
  const v = req[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !MAC_RE.test(v)) bad(`${req.cmd as string}: "${field}" ${JSON.stringify(v)} is not a MAC address`);
  return v.toLowerCase().replace(/-/g, ':');
}

/** Largest Data TLV / Test TLV pattern that keeps an LBM within a 1500-octet payload. */
export const MAX_LBM_DATA = 1488;

/** The loopback options of a {"cmd":"loopback"} request (validated: the request may come from any script). */
export function loopbackRequestOptions(req: Req): LoopbackOptions {
  const o: LoopbackOptions = {};
  const target = optMac(req, 'target');
  const targetMepId = optInt(req, 'targetMepId', 1, 8191);
  const multicast = optBool(req, 'multicast') === true;
  if ([target !== undefined, targetMepId !== undefined, multicast].filter(Boolean).length !== 1) bad('loopback: give exactly one of "target", "targetMepId", "multicast"');
  if (target !== undefined) o.target = target;
  if (targetMepId !== undefined) o.targetMepId = targetMepId;
  if (multicast) o.multicast = true;
  o.count = optInt(req, 'count', 1, 1024);
  o.intervalMs = optInt(req, 'intervalMs', 1, 3_600_000);
  o.timeoutMs = optInt(req, 'timeoutMs', 1, 600_000);
  if (req.data !== undefined) {
    if (typeof req.data !== 'string' || !/^([0-9a-f]{2})*$/i.test(req.data) || req.data.length / 2 > MAX_LBM_DATA) bad(`loopback: "data" must be a hex string of at most ${MAX_LBM_DATA} octets`);
    o.data = Uint8Array.from(Buffer.from(req.data, 'hex'));
  }
  if (req.test !== undefined) {
    const t = req.test as Req;
    if (typeof t !== 'object' || t === null) bad('loopback: "test" must be {"patternType":0..3,"length":N}');
    const patternType = optInt({ ...t, cmd: 'loopback' }, 'patternType', 0, 3);
    const length = optInt({ ...t, cmd: 'loopback' }, 'length', 0, MAX_LBM_DATA);
    if (patternType === undefined || length === undefined) bad('loopback: "test" needs "patternType" and "length"');
    if ((patternType === 1 || patternType === 3) && length > MAX_LBM_DATA - 4) bad(`loopback: test length ${length} plus its CRC-32 exceeds ${MAX_LBM_DATA} octets`);
    o.test = { patternType, length };
  }
  for (const k of Object.keys(o) as Array<keyof LoopbackOptions>) if (o[k] === undefined) delete o[k];
  return o;
}

export function linktraceRequestOptions(req: Req): LinktraceOptions {
  const o: LinktraceOptions = {};
  const targetMac = optMac(req, 'targetMac');
  const targetMepId = optInt(req, 'targetMepId', 1, 8191);
  if ((targetMac === undefined) === (targetMepId === undefined)) bad('linktrace: give exactly one of "targetMac", "targetMepId"');
  if (targetMac !== undefined) o.targetMac = targetMac;
  if (targetMepId !== undefined) o.targetMepId = targetMepId;
  const ttl = optInt(req, 'ttl', 1, 255);
  if (ttl !== undefined) o.ttl = ttl;
  if (optBool(req, 'useFdbOnly')) o.useFdbOnly = true;
  const timeoutMs = optInt(req, 'timeoutMs', 1, 600_000);
  if (timeoutMs !== undefined) o.timeoutMs = timeoutMs;
  return o;
}

// ------------------------------------------------------------------ server

const COMMANDS = 'status, plan, ops, dry-run, monitor, loopback, linktrace, change'; // y1731 too (docs/y1731.md)

export async function serveControl(path: string, h: ControlHandlers): Promise<ControlServer> {
  await claimSocketPath(path);
  const clients = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    clients.add(sock);
    let buf = '';
    let taken = false; // one request per connection; later input is ignored
    let unsub: (() => void) | null = null;
    const send = (o: unknown) => {
      if (!sock.destroyed) sock.write(JSON.stringify(o) + '\n');
    };
    const fail = (e: unknown) => {
      send({ ok: false, error: e instanceof Error ? e.message : String(e), ...(e instanceof CfmError ? { code: e.code } : {}) });
      sock.end();
    };
    sock.on('close', () => {
      clients.delete(sock);
      unsub?.();
    });
    sock.on('error', () => sock.destroy());
    sock.on('data', (d) => {
      if (taken) return;
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      taken = true;
      const line = buf.slice(0, nl);
      buf = '';
      let req: Req;
      try {
        const parsed = JSON.parse(line) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        req = parsed as Req;
      } catch {
        fail(new Error('request is not a JSON object line'));
        return;
      }
      const reply = (run: () => Promise<unknown>) => {
        let p: Promise<unknown>;
        try {
          p = run();
        } catch (e) {
          p = Promise.reject(e);
        }
        p.then((result) => { send({ ok: true, result }); sock.end(); }, fail);
      };
      const unsupported = (what: string) => fail(new CfmError('UNSUPPORTED', `${what} is not supported by this manager`));
      switch (req.cmd) {
        case 'status': return reply(() => h.status());
        case 'plan': return h.plan ? reply(() => h.plan!()) : unsupported('plan');
        case 'monitor':
          send({ ok: true });
          unsub = h.subscribe((event) => send({ event }));
          return;
        case 'loopback': {
          const lb = h.loopback;
          if (!lb) return unsupported('loopback');
          return reply(() => lb(mepKey(req), loopbackRequestOptions(req), (r) => send({ reply: r })));
        }
        case 'linktrace': {
          const lt = h.linktrace;
          if (!lt) return unsupported('linktrace');
          return reply(() => lt(mepKey(req), linktraceRequestOptions(req)));
        }
        case 'ops': return h.ops ? reply(() => h.ops!()) : unsupported('ops');
        case 'dry-run': {
          const dr = h.dryRun;
          if (!dr) return unsupported('dry-run');
          if (typeof req.config !== 'string' || req.config === '') return fail(new CfmError('USAGE', 'dry-run: "config" must be the path of a config file'));
          return reply(() => dr(req.config as string));
        }
        case 'y1731': return h.y1731 ? reply(() => h.y1731!(req)) : unsupported('y1731');
        case 'change': {
          const ch = h.change;
          if (!ch) return unsupported('change');
          const c = req.change;
          if (typeof c !== 'object' || c === null || Array.isArray(c)) return fail(new CfmError('USAGE', 'change: "change" must be an object {"meps":[...],"associations":[...]}'));
          return reply(() => ch(c as ConfigChangeRequest));
        }
        default:
          return fail(new CfmError('USAGE', `unknown command ${JSON.stringify(req.cmd)} (${COMMANDS})`));
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

// ------------------------------------------------------------------ client

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
        if (!line.trim()) continue;
        try {
          onLine(JSON.parse(line) as Record<string, unknown>);
        } catch (e) {
          sock.destroy();
          reject(e instanceof CfmError ? e : new CfmError('BACKEND', `control socket: bad reply line: ${line.slice(0, 80)}`));
          return;
        }
      }
    });
    sock.once('close', () => resolve());
    sock.once('error', (e) => reject(new CfmError('BACKEND', `control socket: ${e.message}`)));
  });
}

const ERROR_CODES = new Set<string>(['DECODE', 'ENCODE', 'PCAP', 'CONFIG', 'PROFILE', 'BACKEND', 'NETLINK', 'APPLY', 'USAGE', 'UNSUPPORTED', 'INTERNAL']);

/** A manager's error reply as a CfmError (its code kept, so a bad MEP key stays a usage error). */
function managerError(o: Record<string, unknown>): CfmError {
  const code = typeof o.code === 'string' && ERROR_CODES.has(o.code) ? (o.code as CfmErrorCode) : 'BACKEND';
  return new CfmError(code, `manager: ${String(o.error)}`);
}

/** The message of the error controlCall rejects with when its signal aborted it. */
export const INTERRUPTED = 'interrupted';

/**
 * One request; lines other than the final {"ok":...} go to `onLine` (loopback replies).
 * Resolves with the result; `signal` aborts (closes the connection) and rejects.
 */
export async function controlCall(path: string, request: Record<string, unknown>, onLine?: (o: Record<string, unknown>) => void, signal?: AbortSignal): Promise<unknown> {
  const sock = await connect(path);
  let final: Record<string, unknown> | undefined;
  const onAbort = () => sock.destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const done = lines(sock, (o) => {
      if ('ok' in o) final ??= o;
      else onLine?.(o);
    });
    sock.write(JSON.stringify(request) + '\n');
    await done;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted) throw new CfmError('USAGE', INTERRUPTED);
  if (!final) throw new CfmError('BACKEND', `the manager on ${path} closed without a reply`);
  if (final.ok !== true) throw managerError(final);
  return final.result;
}

/** One request/reply (status, plan). */
export async function controlRequest(path: string, cmd: 'status' | 'plan' | 'ops'): Promise<unknown> {
  return controlCall(path, { cmd });
}

/** Loopback over the socket: `onReply` per LBR as it arrives; resolves with the session's result. */
export async function controlLoopback(path: string, mep: string, opts: LoopbackRequest, onReply?: (r: LoopbackReply) => void, signal?: AbortSignal): Promise<LoopbackResult> {
  return (await controlCall(path, { cmd: 'loopback', mep, ...opts }, (o) => {
    if ('reply' in o) onReply?.(o.reply as LoopbackReply);
  }, signal)) as LoopbackResult;
}

/** A loopback request's options as JSON (data as hex). */
export type LoopbackRequest = Omit<LoopbackOptions, 'data'> & { data?: string };

export async function controlLinktrace(path: string, mep: string, opts: LinktraceOptions, signal?: AbortSignal): Promise<LinktraceResult> {
  return (await controlCall(path, { cmd: 'linktrace', mep, ...opts }, undefined, signal)) as LinktraceResult;
}

export async function controlChange(path: string, change: ConfigChangeRequest): Promise<ChangeSummary> {
  return (await controlCall(path, { cmd: 'change', change })) as ChangeSummary;
}

/** Stream fault events until the manager goes away or `signal` aborts. */
export async function controlMonitor(path: string, onEvent: (e: unknown) => void, signal?: AbortSignal): Promise<void> {
  const sock = await connect(path);
  signal?.addEventListener('abort', () => sock.destroy(), { once: true });
  const done = lines(sock, (o) => {
    if (o.ok === false) throw managerError(o);
    if ('event' in o) onEvent(o.event);
  });
  sock.write(JSON.stringify({ cmd: 'monitor' }) + '\n');
  await done;
}
