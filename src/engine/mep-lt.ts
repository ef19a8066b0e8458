/**
 * Linktrace of a MEP (802.1Q 20.36-20.46): the initiator (LTI) sends an LTM to the class 2
 * multicast address of its level and collects LTRs by transaction id; the MEP's LTM responder
 * answers only when it is the target (RlyHit, TerminalMEP). Results are ordered by TTL (the
 * nearest hop has the highest TTL), as operators read them (seed 001).
 */
import { CfmError } from '../common/errors.js';
import { decodeFrame, type LtrPdu } from '../pdu/index.js';
import { buildFrame } from './frames.js';
import { buildLtr, decodeLtm, egressId, ltrDelayNs, RLY_HIT, sendLater } from './ltr.js';
import type { Mep } from './mep.js';
import { hex, levelMcast, normMac } from './wire.js';

export interface LinktraceOptions {
  targetMac?: string;
  targetMepId?: number;
  /** Initial TTL (default 64). */
  ttl?: number;
  useFdbOnly?: boolean;
  /** How long to collect LTRs, ms (default 5000). */
  timeoutMs?: number;
}

export interface LinktraceReply {
  ttl: number;
  relayAction: 'rlyHit' | 'rlyFdb' | 'rlyMpdb' | string;
  forwarded: boolean;
  terminalMep: boolean;
  srcMac: string;
  ingressMac: string | null;
  ingressAction: number | null;
  egressMac: string | null;
  egressAction: number | null;
  lastEgressId: string;
  nextEgressId: string;
  /** Receive order (1-based). */
  order: number;
}

export interface LinktraceResult {
  transactionId: number;
  target: string;
  ttl: number;
  replies: LinktraceReply[];
  done: boolean;
}

const ACTIONS: Record<number, string> = { 1: 'rlyHit', 2: 'rlyFdb', 3: 'rlyMpdb' };

export class LinktraceSession {
  readonly result: LinktraceResult;
  private readonly waiters: Array<(r: LinktraceResult) => void> = [];
  constructor(transactionId: number, target: string, ttl: number, readonly timeoutMs: number) {
    this.result = { transactionId, target, ttl, replies: [], done: false };
  }
  onDone(fn: (r: LinktraceResult) => void): void {
    if (this.result.done) fn(this.result);
    else this.waiters.push(fn);
  }
  finish(): void {
    this.result.done = true;
    this.result.replies.sort((a, b) => b.ttl - a.ttl || a.order - b.order);
    for (const w of this.waiters) w(this.result);
  }
  /** Seed 001 style table. */
  table(): string {
    const up = (m: string | null): string => (m ?? '00:00:00:00:00:00').toUpperCase();
    const sep = '----- -------------------- -------------------- ---------- ----------';
    const lines = ['Index Ingress Mac          Egress Mac           Relay Action', sep];
    const rs = [...this.result.replies].sort((a, b) => b.ttl - a.ttl || a.order - b.order);
    rs.forEach((r, i) => {
      const what = r.terminalMep ? 'terminate' : r.forwarded ? 'forward' : 'no-forward';
      lines.push(`${String(i + 1).padEnd(5)} ${up(r.ingressMac).padEnd(20)} ${up(r.egressMac ?? r.srcMac).padEnd(20)} ${r.relayAction.padEnd(10)} ${what}`);
    });
    lines.push(sep);
    const secs = this.timeoutMs % 1000 === 0 ? String(this.timeoutMs / 1000) : (this.timeoutMs / 1000).toFixed(3).replace(/0+$/, '');
    lines.push(`No more responses received in the last ${secs} seconds.`);
    return lines.join('\n');
  }
}

export class Linktrace {
  private nextTransId = 1;
  private readonly sessions = new Map<number, LinktraceSession>();
  private order = 0;

  constructor(private readonly mep: Mep) {}

  start(o: LinktraceOptions): LinktraceSession {
    const m = this.mep;
    let target: string;
    if (o.targetMac) target = normMac(o.targetMac);
    else if (o.targetMepId !== undefined) {
      const r = m.findRemote(o.targetMepId);
      if (!r || r.mac === null) throw new CfmError('USAGE', `MEP ${m.key}: remote MEP ${o.targetMepId} has no MAC in the CCM database`);
      target = r.mac;
    } else throw new CfmError('USAGE', 'linktrace needs a target MAC or a target MEP id');
    const ttl = o.ttl ?? 64;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 255) throw new CfmError('USAGE', `linktrace ttl ${ttl} is not 1..255`);
    const id = this.nextTransId;
    this.nextTransId = (this.nextTransId + 1) >>> 0;
    const timeoutMs = o.timeoutMs ?? 5000;
    const s = new LinktraceSession(id, target, ttl, timeoutMs);
    this.sessions.set(id, s);
    const myId = egressId(m.ctx.bridge ? m.ctx.bridge.bridgeMac() : m.cfg.mac);
    const frame = buildFrame(m.cfg, levelMcast(m.level, 2), {
      opcode: 5, level: m.level, version: 0, flags: o.useFdbOnly ? 0x80 : 0, transactionId: id, ttl,
      originMac: normMac(m.cfg.mac), targetMac: target, tlvs: [{ type: 7, egressId: myId }],
    });
    m.counters.ltmOut++;
    m.sendFrame(frame);
    m.ctx.clock.setTimer(timeoutMs * 1e6, () => {
      this.sessions.delete(id);
      s.finish();
    });
    return s;
  }

  /** An LTR addressed to this MEP (802.1Q 20.45 LTR receiver). */
  receiveLtr(b: Uint8Array, _p: number): void {
    const m = this.mep;
    let pdu: LtrPdu;
    let src: string;
    try {
      const f = decodeFrame(b);
      if (f.pdu.opcode !== 4) return;
      pdu = f.pdu as LtrPdu;
      src = f.src;
    } catch {
      return;
    }
    const s = this.sessions.get(pdu.transactionId);
    if (!s) {
      m.counters.unexpectedLtrIn++;
      return;
    }
    const r: LinktraceReply = {
      ttl: pdu.ttl, relayAction: ACTIONS[pdu.relayAction] ?? `action${pdu.relayAction}`,
      forwarded: (pdu.flags & 0x40) !== 0, terminalMep: (pdu.flags & 0x20) !== 0, srcMac: src,
      ingressMac: null, ingressAction: null, egressMac: null, egressAction: null,
      lastEgressId: '', nextEgressId: '', order: ++this.order,
    };
    for (const t of pdu.tlvs) {
      if (t.type === 5 && 'mac' in t) { r.ingressMac = t.mac; r.ingressAction = t.action; }
      else if (t.type === 6 && 'mac' in t) { r.egressMac = t.mac; r.egressAction = t.action; }
      else if (t.type === 8 && 'lastEgressId' in t) { r.lastEgressId = hex(t.lastEgressId); r.nextEgressId = hex(t.nextEgressId); }
    }
    s.result.replies.push(r);
  }

  /** LTM at this MEP: reply only when the MEP is the target (RlyHit, TerminalMEP). */
  receiveLtmAtMep(b: Uint8Array, _p: number, port: string): void {
    const m = this.mep;
    const d = decodeLtm(b);
    if (!d || normMac(d.ltm.targetMac) !== normMac(m.cfg.mac)) return;
    const mac = normMac(m.cfg.mac);
    const tlv = { action: 1, mac };
    const ltr = buildLtr(d, {
      responderMac: mac, relayAction: RLY_HIT, fwdYes: false, terminal: true,
      nextEgressId: egressId(m.ctx.bridge ? m.ctx.bridge.bridgeMac() : mac),
      ...(m.cfg.direction === 'down' ? { ingress: tlv } : { egress: tlv }),
    });
    m.counters.ltrOut++;
    m.txFrames++;
    sendLater(m.ctx, ltrDelayNs(mac, d.ltm.transactionId), port, ltr, m.active);
  }
}

export function ensureLt(m: Mep): Linktrace {
  if (!m.lt) m.lt = new Linktrace(m);
  return m.lt;
}
