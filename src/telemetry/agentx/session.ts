/**
 * An AgentX subagent session (RFC 2741) to a master agent over a Unix or TCP socket: open,
 * register the served subtrees, answer Get / GetNext / GetBulk from a MibView, refuse Sets
 * (read-only), send notifications. When the master is missing or goes away the session says so
 * once through `log`, keeps retrying every `retryMs`, and registers again when it is back
 * (the master forgets a subagent's registrations with its session, 7.1.1).
 */
import { connect, type Socket } from 'node:net';
import { formatAgentxAddress, type AgentxAddress } from '../listen.js';
import type { MibView } from '../mib/view.js';
import {
  AgentxError, decodePdu, encodeClose, encodeNotify, encodeOpen, encodePing, encodeRegister, encodeResponse, frameLength,
  type Oid, type Received, type SearchRange, type VarBind,
} from './pdu.js';

export interface SessionOptions {
  address: AgentxAddress;
  /** Subtrees to register (each a table). */
  subtrees: readonly Oid[];
  /** The view to answer from; called per request (it may rebuild a stale view). */
  view(): Promise<MibView>;
  /** One line per state change (connected, lost, refused); default: stderr. */
  log?: (line: string) => void;
  /** Reconnect period, ms (default 5000). */
  retryMs?: number;
  /** Timeout the master applies to our answers, s (Open / Register o.timeout; default 5). */
  timeoutS?: number;
  description?: string;
  /** How long an Open, Register, Notify or Ping waits for the master's Response, ms (default 5000). */
  requestTimeoutMs?: number;
}

export type SessionState = 'connecting' | 'open' | 'down' | 'closed';

type Pending = { resolve: (r: Received & { type: 18 }) => void; reject: (e: Error) => void };

/** 1.3.6.1.4.1.8072.3.2.10 would claim net-snmp's; a subagent's o.id may be null (6.2.1). */
const NO_ID: Oid = [];

export class AgentxSession {
  state: SessionState = 'connecting';
  /** Notifications sent / dropped because no session was open. */
  readonly notifications = { sent: 0, dropped: 0 };
  private socket: Socket | null = null;
  private sessionId = 0;
  private packetId = 0;
  private rx: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, Pending>();
  private retry: NodeJS.Timeout | null = null;
  private lastProblem = '';
  private readonly log: (line: string) => void;
  private readonly where: string;
  private openWaiters: Array<() => void> = [];
  /** Requests are answered in order, one at a time (a view rebuild is awaited). */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly o: SessionOptions) {
    this.log = o.log ?? ((l) => process.stderr.write(`${l}\n`));
    this.where = formatAgentxAddress(o.address);
    this.connect();
  }

  /** Resolves once the session is open and registered (tests, startup messages). */
  whenOpen(): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    return new Promise((r) => this.openWaiters.push(r));
  }

  private connect(): void {
    if (this.state === 'closed') return;
    this.state = 'connecting';
    const a = this.o.address;
    const s = a.kind === 'unix' ? connect({ path: a.path }) : connect({ host: a.host, port: a.port });
    this.socket = s;
    this.rx = Buffer.alloc(0);
    s.on('connect', () => {
      this.handshake().catch((e: unknown) => {
        if (this.socket === s) this.lost(`the master refused the session: ${e instanceof Error ? e.message : String(e)}`);
      });
    });
    s.on('data', (d: Buffer) => {
      if (this.socket === s) this.onData(d);
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (this.socket !== s) return;
      const why = e.code === 'ENOENT' ? 'no such socket (is snmpd running with "master agentx"?)'
        : e.code === 'ECONNREFUSED' ? 'connection refused (is the master agent running?)'
        : e.code === 'EACCES' ? 'permission denied (agentXPerms of the master)'
        : e.message;
      this.lost(why);
    });
    s.on('close', () => {
      if (this.socket === s) this.lost('the master closed the connection');
    });
  }

  private async handshake(): Promise<void> {
    const t = this.o.timeoutS ?? 5;
    const open = await this.request((ids) => encodeOpen(ids, t, NO_ID, this.o.description ?? 'cfm-offload IEEE8021-CFM-MIB subagent'));
    if (open.error) throw new Error(`Open: AgentX error ${open.error}`);
    this.sessionId = open.sessionId;
    for (const st of this.o.subtrees) {
      const r = await this.request((ids) => encodeRegister(ids, st, t));
      if (r.error === AgentxError.duplicateRegistration) throw new Error(`${st.join('.')} is already registered by another subagent`);
      if (r.error) throw new Error(`Register ${st.join('.')}: AgentX error ${r.error}`);
    }
    this.state = 'open';
    this.log(`cfm agentx: registered ${this.o.subtrees.length} IEEE8021-CFM-MIB tables with the master at ${this.where}`);
    this.lastProblem = '';
    for (const w of this.openWaiters.splice(0)) w();
  }

  private lost(why: string): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'down';
    for (const p of this.pending.values()) p.reject(new Error(why));
    this.pending.clear();
    this.socket?.destroy();
    this.socket = null;
    const retryS = (this.o.retryMs ?? 5000) / 1000;
    // Say it once per distinct problem, not at every retry.
    if (wasOpen || why !== this.lastProblem) {
      this.log(`cfm agentx: ${wasOpen ? 'lost the master' : 'cannot reach the master'} at ${this.where}: ${why}; retrying every ${retryS} s (the manager keeps running)`);
    }
    this.lastProblem = why;
    if (!this.retry) {
      this.retry = setTimeout(() => {
        this.retry = null;
        this.connect();
      }, this.o.retryMs ?? 5000);
      this.retry.unref();
    }
  }

  private ids() {
    this.packetId = (this.packetId + 1) >>> 0;
    return { sessionId: this.sessionId, transactionId: 0, packetId: this.packetId };
  }

  private request(build: (ids: { sessionId: number; transactionId: number; packetId: number }) => Buffer): Promise<Received & { type: 18 }> {
    const ids = this.ids();
    return new Promise((resolve, reject) => {
      if (!this.socket) {
        reject(new Error('not connected'));
        return;
      }
      // A master that does not answer an administrative PDU is as good as gone (RFC 2741 7.1.2).
      const timeoutMs = this.o.requestTimeoutMs ?? 5000;
      const timer = setTimeout(() => {
        const p = this.pending.get(ids.packetId);
        if (!p) return;
        const why = `no answer from the master within ${timeoutMs / 1000} s`;
        this.pending.delete(ids.packetId);
        p.reject(new Error(why));
        this.lost(why);
      }, timeoutMs);
      timer.unref();
      const done = <T>(f: (v: T) => void) => (v: T) => {
        clearTimeout(timer);
        f(v);
      };
      this.pending.set(ids.packetId, { resolve: done(resolve), reject: done(reject) });
      this.socket.write(build(ids));
    });
  }

  private onData(d: Buffer): void {
    this.rx = this.rx.length ? Buffer.concat([this.rx, d]) : d;
    for (;;) {
      const n = frameLength(this.rx);
      if (n === 0) return;
      const frame = this.rx.subarray(0, n);
      this.rx = this.rx.subarray(n);
      let pdu: Received;
      try {
        pdu = decodePdu(Buffer.from(frame));
      } catch (e) {
        this.lost(`unreadable PDU from the master: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      this.dispatch(pdu);
    }
  }

  private dispatch(p: Received): void {
    if (p.type === 18) {
      const w = this.pending.get(p.packetId);
      this.pending.delete(p.packetId);
      w?.resolve(p);
      return;
    }
    if (p.type === 2) {
      this.lost('the master closed the session');
      return;
    }
    const sock = this.socket;
    const reply = (error: number, index: number, vbs: VarBind[]) => sock?.write(encodeResponse(p, error, index, vbs));
    switch (p.type) {
      case 5: case 6: case 7:
        this.queue = this.queue.then(async () => {
          try {
            const view = await this.o.view();
            reply(0, 0, answer(view, p));
          } catch {
            reply(AgentxError.processingError, 0, []);
          }
        });
        return;
      case 8: // TestSet: the objects served are read-only here
        reply(AgentxError.notWritable, 1, []);
        return;
      case 9: case 10: // CommitSet / UndoSet never follow a refused TestSet; answer anyway
        reply(0, 0, []);
        return;
      default: // CleanupSet, Ping from the master: no response / nothing to do
        return;
    }
  }

  /** Send a notification (RFC 2741 6.2.10): sysUpTime.0, snmpTrapOID.0, then `varbinds`. */
  async notify(trapOid: Oid, varbinds: VarBind[]): Promise<boolean> {
    if (this.state !== 'open') {
      this.notifications.dropped++;
      return false;
    }
    const vbs: VarBind[] = [
      { oid: [1, 3, 6, 1, 2, 1, 1, 3, 0], type: 67, value: Math.floor(process.uptime() * 100) >>> 0 },
      { oid: [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0], type: 6, value: trapOid },
      ...varbinds,
    ];
    try {
      const r = await this.request((ids) => encodeNotify(ids, vbs));
      if (r.error) throw new Error(`AgentX error ${r.error}`);
      this.notifications.sent++;
      return true;
    } catch {
      this.notifications.dropped++;
      return false;
    }
  }

  /** Ping the master (6.2.12); false when there is no open session or no answer. */
  async ping(): Promise<boolean> {
    if (this.state !== 'open') return false;
    return this.request(encodePing).then((r) => r.error === 0, () => false);
  }

  async close(): Promise<void> {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const s = this.socket;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    if (s && wasOpen) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 500);
        s.write(encodeClose(this.ids()), () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    s?.destroy();
    this.socket = null;
    for (const p of this.pending.values()) p.reject(new Error('session closed'));
    this.pending.clear();
  }
}

/** Answer Get / GetNext / GetBulk (RFC 2741 7.2.3.1-7.2.3.3) from `view`. */
export function answer(view: MibView, p: Received): VarBind[] {
  if (p.type === 5) return p.ranges.map((r) => view.get(r.start));
  if (p.type === 6) return p.ranges.map((r) => view.next(r));
  if (p.type !== 7) return [];
  const out: VarBind[] = [];
  const non = Math.min(p.nonRepeaters, p.ranges.length);
  for (let i = 0; i < non; i++) out.push(view.next(p.ranges[i]));
  const reps: SearchRange[] = p.ranges.slice(non).map((r) => ({ ...r }));
  for (let n = 0; n < p.maxRepetitions && reps.length; n++) {
    let more = false;
    for (const r of reps) {
      const v = view.next(r);
      out.push(v);
      if (v.type !== 130) {
        r.start = v.oid;
        r.include = false;
        more = true;
      }
    }
    if (!more) break;
  }
  return out;
}
