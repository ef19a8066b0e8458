/**
 * The optional "pm" group of the vendor C ABI on the mock ASIC (cfm_asic.h, docs/vendor-abi.md
 * "PM group"): two mock switches joined by a simulated link with a known one-way delay in each
 * direction and frames lost in one direction. The VOEs stamp DMM / DMR (Y.1731 8.2) and count
 * frames for LMM / LMR (Y.1731 8.1) in hardware, exact in virtual time: the two-way delay is the
 * sum of the link's one-way delays whatever the responder's CPU took, and the loss is the frames
 * the link dropped, each direction on its own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AsicDevice, PM_DM, PM_LM, lmCounters, mockAsicLibPath, pmGet, pmSet, type RawVoeConf,
} from '../../src/backends/asic-binding/index.js';
import { lossStats, type LmSample } from '../../src/engine/y1731-stats.js';
import { pmFrame } from '../../src/conformance/rules/pm.js';
import { MockAsicBackend, mockOptionsFromProfile } from '../../src/backends/mock/index.js';
import { loadProfile } from '../../src/profiles/index.js';
import { hwResources } from '../../src/offload/resources.js';

const open: AsicDevice[] = [];
afterEach(() => {
  for (const d of open.splice(0)) d.close();
});

let n = 0;
function device(): AsicDevice {
  const d = AsicDevice.open(mockAsicLibPath(), `instance=pm-test-${process.pid}-${n++};ports=2;port_voes=2;service_voes=2`);
  open.push(d);
  return d;
}

const conf = (mac: number): RawVoeConf => ({
  port: 0, direction: 0, level: 5, vlan: 0, unicast_mac: [2, 0, 0, 0, 0, mac], reserved: [0, 0], key: `pm/${mac}`,
});

const u32 = (b: Uint8Array, off: number): number => ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
const ts = (b: Uint8Array, off: number): number => u32(b, off) * 1e9 + u32(b, off + 4);
const PDU = 14; // untagged: the CFM PDU starts after DA, SA, EtherType

/** Two switches A and B, port 0 to port 0, one-way delays aToBNs / bToANs; the clocks run in step. */
function link(aToBNs: number, bToANs: number) {
  const a = device();
  const b = device();
  const ca = conf(0xa);
  const cb = conf(0xb);
  const va = a.voeAlloc(ca);
  const vb = b.voeAlloc(cb);
  /** Run both clocks `ns` on. */
  const advance = (ns: number) => {
    a.mockAdvance(ns);
    b.mockAdvance(ns);
  };
  /** Carry what `from` put on the wire to `to` after `delayNs` (dropping the first `drop`). */
  const carry = (from: AsicDevice, to: AsicDevice, delayNs: number, drop = 0) => {
    const frames = from.mockPortTxDrain();
    advance(delayNs);
    frames.slice(drop).forEach((f) => to.mockPortRx(f.port, f.frame));
  };
  /** A frame `kind` from A's CPU to B (pm.ts frame layout: A is the sender, B the peer). */
  const frame = (kind: Parameters<typeof pmFrame>[1], from: RawVoeConf, to: RawVoeConf) => {
    const f = pmFrame(from, kind);
    f.set(Array.from(to.unicast_mac), 0);
    return f;
  };
  return { a, b, ca, cb, va, vb, advance, carry, frame, aToBNs, bToANs };
}

describe('vendor C ABI group "pm" on the mock ASIC', () => {
  it('two-way delay from the VOE timestamps = the link delays, whatever the responder took (Y.1731 8.2.2)', () => {
    const l = link(3_250_000, 1_125_000); // 3.25 ms A->B, 1.125 ms B->A
    pmSet(l.a, l.va, PM_DM);
    pmSet(l.b, l.vb, PM_DM);
    expect([pmGet(l.a, l.va), pmGet(l.b, l.vb)]).toEqual([PM_DM, PM_DM]);
    const results: number[] = [];
    for (let i = 0; i < 5; i++) {
      l.advance(100_000_000);
      const t0 = l.a.mockNow();
      l.a.frameTx(0, l.frame('dmm', l.ca, l.cb));
      l.carry(l.a, l.b, l.aToBNs);
      const dmm = l.b.frameRx()!;
      expect(dmm.info.voe).toBe(l.vb);
      expect(ts(dmm.frame, PDU + 4)).toBe(t0); // TxTimeStampf: A's VOE at the wire
      expect(ts(dmm.frame, PDU + 12)).toBe(t0 + l.aToBNs); // RxTimeStampf: B's VOE
      l.advance(7_000_000 + i * 1_000_000); // the responder's CPU takes its time (jitter)
      const dmr = Uint8Array.from(dmm.frame);
      dmr.set(dmm.frame.subarray(6, 12), 0);
      dmr.set(Array.from(l.cb.unicast_mac), 6);
      dmr[PDU + 1] = 46; // DMR (Y.1731 9.15): the CPU copies the DMM, the VOE stamps TxTimeStampb
      const tb = l.b.mockNow();
      l.b.frameTx(0, dmr);
      l.carry(l.b, l.a, l.bToANs);
      const back = l.a.frameRx()!;
      expect(ts(back.frame, PDU + 20)).toBe(tb);
      expect(ts(back.frame, PDU + 28)).toBe(tb + l.bToANs); // RxTimeStampb: A's VOE
      const f = back.frame;
      results.push((ts(f, PDU + 28) - ts(f, PDU + 4)) - (ts(f, PDU + 20) - ts(f, PDU + 12)));
    }
    expect(results).toEqual(Array(5).fill(3_250_000 + 1_125_000));
  });

  it('one-way delay: 1DM RxTimeStampf - TxTimeStampf = the A->B delay (Y.1731 8.2.1)', () => {
    const l = link(2_000_500, 9_000_000);
    pmSet(l.a, l.va, PM_DM);
    pmSet(l.b, l.vb, PM_DM);
    l.a.frameTx(0, l.frame('1dm', l.ca, l.cb));
    l.carry(l.a, l.b, l.aToBNs);
    const got = l.b.frameRx()!;
    expect(ts(got.frame, PDU + 12) - ts(got.frame, PDU + 4)).toBe(2_000_500);
  });

  it('LMM / LMR counters give the frames lost in each direction (Y.1731 8.1.2)', () => {
    const l = link(1_000_000, 1_000_000);
    pmSet(l.a, l.va, PM_LM);
    pmSet(l.b, l.vb, PM_LM);
    const samples: LmSample[] = [];
    const lmm = () => {
      l.a.frameTx(0, l.frame('lmm', l.ca, l.cb));
      l.carry(l.a, l.b, l.aToBNs);
      const got = l.b.frameRx()!;
      const lmr = Uint8Array.from(got.frame);
      lmr.set(got.frame.subarray(6, 12), 0);
      lmr.set(Array.from(l.cb.unicast_mac), 6);
      lmr[PDU + 1] = 42;
      l.b.frameTx(0, lmr);
      l.carry(l.b, l.a, l.bToANs);
      const r = l.a.frameRx()!;
      // 4 bytes of RxFCl after the 17-byte LMR PDU (cfm_asic.h: Y.1731 9.13 has no field for it)
      expect(r.frame.length).toBe(PDU + 17 + 4);
      samples.push({ txFCf: u32(r.frame, PDU + 4), rxFCf: u32(r.frame, PDU + 8), txFCb: u32(r.frame, PDU + 12), rxFCl: u32(r.frame, PDU + 17) });
    };
    lmm();
    // 10 frames A->B of which the link loses 3; 6 frames B->A of which it loses 2
    for (let i = 0; i < 10; i++) l.a.frameTx(0, l.frame('1dm', l.ca, l.cb));
    l.carry(l.a, l.b, l.aToBNs, 3);
    for (let i = 0; i < 6; i++) l.b.frameTx(0, l.frame('1dm', l.cb, l.ca));
    l.carry(l.b, l.a, l.bToANs, 2);
    while (l.a.frameRx());
    while (l.b.frameRx());
    lmm();
    expect(lossStats(samples, false)).toMatchObject({ farEnd: 3, nearEnd: 2, farEndTx: 11, nearEndTx: 7 });
    expect(lmCounters(l.a, l.va)).toMatchObject({ txFcl: 12n, rxFcl: 6n });
  });

  it('CCM-LM: the VOE writes TxFCf / RxFCb / TxFCb into its CCMs and keeps the peer\'s last sample (Y.1731 8.1.1)', () => {
    const l = link(1_000_000, 1_000_000);
    pmSet(l.a, l.va, PM_LM);
    pmSet(l.b, l.vb, PM_LM);
    const maid = new Array<number>(48).fill(0);
    maid.splice(0, 5, 1, 2, 2, 0x70, 0x6d);
    const cc = (mep: number, peer: number) => ({
      maid, mep_id: mep, interval: 4, priority: 7, peer_count: 1, peers: [peer], tx_enable: 1, rx_enable: 1,
      seq_update: 1, rdi: 0, port_status_tlv: 0, if_status_tlv: 0,
    });
    l.a.ccSet(l.va, cc(1, 2));
    l.b.ccSet(l.vb, cc(2, 1));
    for (let i = 0; i < 4; i++) {
      l.advance(500_000_000);
      l.carry(l.a, l.b, 0);
      l.carry(l.b, l.a, 0);
    }
    const ca = lmCounters(l.a, l.va);
    const cb = lmCounters(l.b, l.vb);
    expect(ca.txFcl).toBe(cb.rxFcl); // nothing lost
    expect(ca.ccm).not.toBeNull();
    // A's last CCM from B: B's TxFCf at sending = B's CCMs sent so far
    expect(ca.ccm!.txFcf).toBe(Number(cb.txFcl));
    expect(ca.ccm!.rxFcl).toBe(Number(ca.rxFcl));
  });

  it('a freed VOE drops its PM functions; functions the device lacks are refused', () => {
    const l = link(0, 0);
    pmSet(l.a, l.va, PM_DM | PM_LM);
    l.a.voeFree(l.va);
    const again = l.a.voeAlloc(l.ca);
    expect(pmGet(l.a, again)).toBe(0);
    const d = AsicDevice.open(mockAsicLibPath(), `instance=pm-test-${process.pid}-nolm;ports=2;port_voes=2;service_voes=2;pm_lm=0`);
    open.push(d);
    const v = d.voeAlloc(l.ca);
    expect(() => pmSet(d, v, PM_LM)).toThrow(/cfm_voe_pm_set \(voe \d+\): ENOTSUP/);
    pmSet(d, v, PM_DM);
    expect(pmGet(d, v)).toBe(PM_DM);
  });

  it('a mock made from a profile does hardware DM / LM as the profile says (capabilities().pmOffload)', async () => {
    for (const [name, want] of [['broadcom-xgs', { dm: true, lm: true }], ['mock-default', { dm: false, lm: false }]] as const) {
      const b = new MockAsicBackend(mockOptionsFromProfile(loadProfile(name)));
      try {
        expect(b.capabilities().pmOffload).toEqual(want);
      } finally {
        await b.close();
      }
    }
  });

  it('the profiles that offload DM / LM (serval-1, broadcom-xgs) plan them in hardware only on a backend with the group', async () => {
    for (const name of ['serval-1', 'broadcom-xgs']) {
      const profile = loadProfile(name);
      const withPm = new MockAsicBackend({ ...mockOptionsFromProfile(profile), portVoes: 4, serviceVoes: 4 });
      const without = new MockAsicBackend({ ...mockOptionsFromProfile(profile), portVoes: 4, serviceVoes: 4, pmDm: false, pmLm: false });
      try {
        expect(hwResources(profile, withPm.capabilities()).offload).toMatchObject({ dm: true, lm: true });
        const res = hwResources(profile, without.capabilities());
        expect(res.offload).toMatchObject({ dm: false, lm: false });
        expect(res.offloadReasons).toEqual({
          dm: 'backend mock has no hardware DM (vendor C ABI group "pm")', lm: 'backend mock has no hardware LM (vendor C ABI group "pm")',
        });
      } finally {
        await withPm.close();
        await without.close();
      }
    }
  });
});
