/**
 * Expectations of a scenario (docs/sim.md): fault events in a window, frames on a link (the
 * ground-truth tap), a MEP's or MIP's status at the step time, and the results of loopback,
 * linktrace and PM steps.
 */
import type { FaultEvent } from '../engine/events.js';
import type { LoopbackResult } from '../engine/mep-lb.js';
import type { LinktraceResult } from '../engine/mep-lt.js';
import type { DelayResult, LossResult } from '../engine/mep-y1731.js';
import { cfmOffset, macAt, outerVid } from '../engine/wire.js';
import { decodeFrame, opcodeName, type Tlv } from '../pdu/index.js';
import type { TxRecord } from './network.js';
import { fmtBounds, inBounds, ScenarioError } from './scenario-parse-util.js';
import type { Bounds, Expectation, FrameFilter, FramesExpectation, PmExpectation, ReplyExpectation, ScenarioStep, StatusCheck } from './scenario-types.js';
import { fmtS, linkOf, mepOf, mipOf, type StepIo, type World } from './scenario-world.js';

// ---------------------------------------------------------------- fault events

/**
 * Index of the first record at or after `atNs` (records are in time order): what happened at
 * the step's own instant counts, also when an earlier step of that instant caused it.
 */
function firstAt(records: ReadonlyArray<{ atNs: number }>, atNs: number): number {
  let i = records.length;
  while (i > 0 && records[i - 1].atNs >= atNs) i--;
  return i;
}

function matches(e: FaultEvent, x: Expectation): boolean {
  if (e.mep !== x.mep) return false;
  if (x.defect) return e.type === 'defect' && e.defect === x.defect && e.active === x.active;
  if (x.alarm) {
    if (x.alarm === 'clear') return e.type === 'alarm-clear';
    return e.type === 'alarm' && e.defect === x.alarm && (x.suppressed === undefined || (e.suppressed === true) === x.suppressed);
  }
  if (x.remote !== undefined) return e.type === 'remote-mep' && e.remoteMepId === x.remote && e.state === x.state;
  if (x.condition) return e.type === 'condition' && e.condition === x.condition && e.active === x.active;
  return false;
}

function expectText(x: Expectation): string {
  const what = x.defect ? `defect ${x.defect} ${x.active ? 'raised' : 'cleared'}`
    : x.alarm ? (x.alarm === 'clear' ? 'alarm cleared' : `alarm ${x.alarm}${x.suppressed === undefined ? '' : x.suppressed ? ' (suppressed)' : ' (not suppressed)'}`)
    : x.remote !== undefined ? `remote MEP ${x.remote} ${x.state}`
    : x.condition ? `condition ${x.condition} ${x.active ? 'entered' : 'left'}` : 'no defects';
  const when = x.fromNs ? ` in [${fmtS(x.fromNs)}, ${fmtS(x.withinNs)}]` : x.withinNs ? ` within ${fmtS(x.withinNs)}` : ' now';
  return `${x.never ? 'never ' : ''}${x.mep}: ${what}${when}`;
}

/**
 * An event expectation. Without a window: the MEP's status now. With `within: T`: a matching
 * event in [t, t + T] (events at t itself count, also those an earlier step at t caused). With `window: [A, B]`: the first matching event at or after t comes in
 * [t + A, t + B] (not earlier, not later); `never` = no matching event in [t + A, t + B].
 * Judged 1 ns after the window closes, so events due exactly at its end count.
 */
export function expectEvent(w: World, step: ScenarioStep, x: Expectation, io: StepIo): void {
  const m = mepOf(w, x.mep, step.where);
  const now = w.net.clock.nowNs();
  if (x.withinNs === 0) {
    const s = m.status();
    let ok: boolean;
    if (x.noDefects) ok = s.defects === 0;
    else if (x.defect) ok = s.defectNames.includes(x.defect) === x.active;
    else if (x.alarm) ok = x.alarm === 'clear' ? s.fngState === 'fngReset' : m.fng.reportedDefect === x.alarm;
    else if (x.remote !== undefined) ok = s.remotes.find((r) => r.mepId === x.remote)?.state === x.state;
    else ok = x.condition === 'ais' ? s.ais === x.active : x.condition === 'lck' ? s.lck === x.active : (s.csf !== null && `csf-${s.csf}` === x.condition) === x.active;
    if (x.never) ok = !ok;
    io.record('expect', `${expectText(x)}: ${ok ? 'OK' : `FAILED (defects: ${s.defectNames.join(', ') || 'none'})`}`, { ok });
    if (!ok) io.fail(`expected ${expectText(x)}; defects: ${s.defectNames.join(', ') || 'none'}`);
    return;
  }
  const from = firstAt(w.events, now);
  const lo = now + (x.fromNs ?? 0);
  const deadline = now + x.withinNs;
  w.net.clock.setTimerAt(deadline + 1, () => {
    const seen = w.events.slice(from).filter((e) => e.atNs <= deadline && matches(e, x));
    const hit = x.never ? seen.find((e) => e.atNs >= lo) : seen[0];
    const ok = x.never ? !hit : !!hit && hit.atNs >= lo;
    const at = hit ? ` (at ${fmtS(hit.atNs)}, +${fmtS(hit.atNs - now)})` : '';
    io.record('expect', `${step.where} ${expectText(x)}: ${ok ? 'OK' : 'FAILED'}${at}`, { ok });
    if (!ok) io.fail(x.never ? `${expectText(x)}: it happened${at}` : hit ? `expected ${expectText(x)}: came too early${at}` : `expected ${expectText(x)}: did not happen`);
  });
}

// ---------------------------------------------------------------- frames on a link

interface Fields { ttl?: number; seq?: number; transactionId?: number; mepId?: number; tlvs: Tlv[] }

function pduFields(frame: Uint8Array): Fields | null {
  try {
    const f = decodeFrame(frame, { lenient: true });
    const p = f.pdu as unknown as Record<string, unknown>;
    const n = (k: string): number | undefined => (typeof p[k] === 'number' ? (p[k] as number) : undefined);
    return { ttl: n('ttl'), seq: n('seq'), transactionId: n('transactionId'), mepId: n('mepId') ?? n('srcMepId'), tlvs: (p.tlvs as Tlv[] | undefined) ?? [] };
  } catch {
    return null;
  }
}

function fateOk(r: TxRecord, fate: FrameFilter['fate']): boolean {
  switch (fate) {
    case 'any': return true;
    case 'dropped': return r.fate === 'lost' || r.fate === 'down' || r.fate === 'cut';
    case 'corrupted': return r.fate === 'sent' && r.corrupted === true;
    default: return r.fate === fate;
  }
}

function frameOk(r: TxRecord, f: FrameFilter): boolean {
  const b = r.frame;
  const p = cfmOffset(b);
  if (p < 0) return false;
  if (f.opcode !== undefined && b[p + 1] !== f.opcode) return false;
  if (f.level !== undefined && b[p] >> 5 !== f.level) return false;
  if (f.flags !== undefined && b[p + 2] !== f.flags) return false;
  if (f.rdi !== undefined && ((b[p + 2] & 0x80) !== 0) !== f.rdi) return false;
  if (f.da !== undefined && macAt(b, 0) !== f.da) return false;
  if (f.sa !== undefined && macAt(b, 6) !== f.sa) return false;
  if (f.vlan !== undefined && outerVid(b) !== f.vlan) return false;
  const needs = f.ttl !== undefined || f.seq !== undefined || f.transactionId !== undefined || f.mepId !== undefined || f.tlvs || f.portStatus !== undefined || f.interfaceStatus !== undefined;
  if (!needs) return true;
  const d = pduFields(b);
  if (!d) return false;
  if (f.ttl !== undefined && d.ttl !== f.ttl) return false;
  if (f.seq !== undefined && d.seq !== f.seq) return false;
  if (f.transactionId !== undefined && d.transactionId !== f.transactionId) return false;
  if (f.mepId !== undefined && d.mepId !== f.mepId) return false;
  if (f.tlvs && !f.tlvs.every((t) => d.tlvs.some((x) => x.type === t))) return false;
  const tlvValue = (type: number): number | undefined => {
    const t = d.tlvs.find((x) => x.type === type) as { value?: unknown } | undefined;
    return typeof t?.value === 'number' ? t.value : undefined;
  };
  if (f.portStatus !== undefined && tlvValue(2) !== f.portStatus) return false;
  if (f.interfaceStatus !== undefined && tlvValue(4) !== f.interfaceStatus) return false;
  return true;
}

function filterText(f: FrameFilter): string {
  const parts = Object.entries(f).filter(([k]) => k !== 'link' && k !== 'from')
    .map(([k, v]) => `${k}=${k === 'opcode' ? opcodeName(v as number) : Array.isArray(v) ? v.join('+') : String(v)}`);
  return `frames on ${f.link}${f.from ? ` from ${f.from}` : ''} (${parts.join(' ')})`;
}

/** Count the transmissions matching the filter in [t + from, t + to], judged after the window. */
export function expectFrames(w: World, step: ScenarioStep, x: FramesExpectation, io: StepIo): void {
  const link = linkOf(w, x.filter.link, `${step.where}.expect.frames.link`);
  const dir = x.filter.from === undefined ? null : link.dirOf(x.filter.from);
  if (x.filter.from !== undefined && !dir) throw new ScenarioError(w.sc.file, `${step.where}.expect.frames.from`, `'${x.filter.from}' is not an end of link ${link.name}`);
  const sender = dir === 'ab' ? link.a : dir === 'ba' ? link.b : null;
  const now = w.net.clock.nowNs();
  const lo = now + x.fromNs;
  const hi = now + x.toNs;
  const start = firstAt(w.tx, now);
  w.net.clock.setTimerAt(hi + 1, () => {
    const n = w.tx.slice(start).filter((r) => r.atNs >= lo && r.atNs <= hi && r.link === link.name
      && (!sender || (r.node === sender.node && r.port === sender.port)) && fateOk(r, x.filter.fate) && frameOk(r, x.filter)).length;
    const ok = inBounds(n, x.count);
    const text = `${filterText(x.filter)} in [${fmtS(x.fromNs)}, ${fmtS(x.toNs)}]: ${n}, expected ${fmtBounds(x.count)}`;
    io.record('expect', `${step.where} ${text}: ${ok ? 'OK' : 'FAILED'}`, { ok, data: { count: n } });
    if (!ok) io.fail(text);
  });
}

// ---------------------------------------------------------------- status now

function statusValue(w: World, step: ScenarioStep, c: StatusCheck): { got: unknown; want: unknown; ok: boolean; what: string } {
  if (c.kind === 'counter') {
    const counters = (c.mep !== undefined ? mepOf(w, c.mep, step.where).counters : mipOf(w, c.mip!, step.where).counters) as unknown as Record<string, number>;
    if (!(c.counter in counters)) throw new ScenarioError(w.sc.file, `${step.where}.expect.counter`, `no counter '${c.counter}' (counters: ${Object.keys(counters).join(', ')})`);
    const got = counters[c.counter];
    return { got, want: fmtBounds(c.value), ok: inBounds(got, c.value), what: `${c.mep ?? c.mip} ${c.counter}` };
  }
  const m = mepOf(w, c.mep, step.where);
  const s = m.status();
  switch (c.kind) {
    case 'fng-state': return { got: s.fngState, want: c.state, ok: s.fngState === c.state, what: `${c.mep} FNG state` };
    case 'highest-defect': return { got: s.highestDefect, want: c.defect, ok: s.highestDefect === c.defect, what: `${c.mep} highestDefect` };
    case 'present-rdi': return { got: s.presentRdi, want: c.value, ok: s.presentRdi === c.value, what: `${c.mep} presentRDI` };
    case 'remote-tlv': {
      const r = s.remotes.find((x) => x.mepId === c.remote);
      const got = r ? { portStatus: r.portStatus, interfaceStatus: r.interfaceStatus } : null;
      const ok = !!r && (c.portStatus === undefined || r.portStatus === c.portStatus) && (c.interfaceStatus === undefined || r.interfaceStatus === c.interfaceStatus);
      return { got: JSON.stringify(got), want: JSON.stringify({ portStatus: c.portStatus, interfaceStatus: c.interfaceStatus }), ok, what: `${c.mep} remote ${c.remote} status TLVs` };
    }
  }
}

export function checkStatus(w: World, step: ScenarioStep, c: StatusCheck, io: StepIo): void {
  const v = statusValue(w, step, c);
  const text = `${v.what}: ${String(v.got)}, expected ${String(v.want)}`;
  io.record('expect', `${text}: ${v.ok ? 'OK' : 'FAILED'}`, { ok: v.ok });
  if (!v.ok) io.fail(text);
}

// ---------------------------------------------------------------- step results

function bound(problems: string[], what: string, got: number, b: Bounds | undefined, unit?: (n: number) => string): void {
  if (b && !inBounds(got, b)) problems.push(`${what} ${unit ? unit(got) : got}, expected ${fmtBounds(b, unit)}`);
}

export function loopbackProblems(r: LoopbackResult, a: { expectReceived?: Bounds; expectOutOfOrder?: Bounds; expectBadMsdu?: Bounds }): string[] {
  const p: string[] = [];
  bound(p, 'loopback received', r.received, a.expectReceived);
  bound(p, 'loopback out of order', r.outOfOrder, a.expectOutOfOrder);
  bound(p, 'loopback bad MSDU', r.badMsdu, a.expectBadMsdu);
  return p;
}

export function linktraceProblems(r: LinktraceResult, hops: number | undefined, want: ReplyExpectation[] | undefined): string[] {
  const p: string[] = [];
  if (hops !== undefined && r.replies.length !== hops) p.push(`linktrace got ${r.replies.length} replies, expected ${hops}`);
  if (!want) return p;
  if (r.replies.length !== want.length) p.push(`linktrace got ${r.replies.length} replies, expected ${want.length} (expect-replies)`);
  want.forEach((e, i) => {
    const got = r.replies[i] as unknown as Record<string, unknown> | undefined;
    if (!got) return;
    for (const [k, v] of Object.entries(e)) {
      if (got[k] !== v) p.push(`linktrace reply ${i + 1}: ${k} ${String(got[k])}, expected ${String(v)}`);
    }
  });
  return p;
}

export function pmProblems(r: DelayResult | LossResult, e: PmExpectation | undefined): string[] {
  const p: string[] = [];
  if (!e) return p;
  bound(p, `${r.kind} received`, r.received, e.received);
  if (e.delayNs) {
    const ms = (n: number): string => `${+(n / 1e6).toFixed(6)}ms`;
    if (!('delaysNs' in r) || r.delaysNs.length === 0) p.push(`${r.kind}: no delay measured, expected ${fmtBounds(e.delayNs, ms)}`);
    else for (const d of r.delaysNs) bound(p, `${r.kind} delay`, d, e.delayNs, ms);
  }
  if (e.farEndLoss || e.nearEndLoss) {
    if (!('farEndLoss' in r)) p.push(`${r.kind} measures no loss`);
    else {
      bound(p, `${r.kind} far-end loss`, r.farEndLoss, e.farEndLoss);
      bound(p, `${r.kind} near-end loss`, r.nearEndLoss, e.nearEndLoss);
    }
  }
  return p;
}
