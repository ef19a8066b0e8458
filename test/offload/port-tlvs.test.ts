/**
 * Port state in the status TLVs of a vendor shim's hardware VOEs (issue 12 item 3; 802.1Q
 * 20.9.2-20.9.3, 21.5.4-21.5.5). The shim is the mock library loaded as a vendor library
 * (VendorBackend never calls cfm_mock_port_set_state, so its VOEs send the spec's TLV values, as
 * a real shim's do); the board glue reports port state through onPortState. The manager writes
 * the state into the VOE's TLV values: psBlocked while the port does not forward, the port's
 * operational state in the Interface Status TLV. The sequence numbers run on without reset or gap,
 * and an identical re-apply writes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mockAsicLibPath } from '../../src/backends/asic-binding/index.js';
import type { PortStateChange, VoeSpec } from '../../src/backends/types.js';
import { VendorBackend } from '../../src/backends/vendor/index.js';
import { VirtualClock } from '../../src/common/clock.js';
import { OffloadManager } from '../../src/offload/manager.js';
import { dryRunApply } from '../../src/offload/dry-run.js';
import { mkMep, mkModel, mkProfile } from './fixtures.js';
import { PROFILE } from './harness.js';

/** A vendor shim whose board reports port state (e.g. from its SDK's link and STP events). */
class PortReportingShim extends VendorBackend {
  private readonly portListeners = new Set<(s: PortStateChange) => void>();
  readonly updates: VoeSpec[] = [];

  override onPortState(listener: (s: PortStateChange) => void): () => void {
    this.portListeners.add(listener);
    return () => this.portListeners.delete(listener);
  }

  report(s: PortStateChange): void {
    for (const l of this.portListeners) l(s);
  }

  override async updateVoe(handle: number, spec: VoeSpec): Promise<void> {
    this.updates.push(spec);
    return super.updateVoe(handle, spec);
  }
}

/** Sequence number and status TLV values of an untagged CCM (802.1Q 21.6: seq @4, TLVs @74). */
function ccmOf(f: Uint8Array): { seq: number; ps: number; is: number } | null {
  if (f[12] !== 0x89 || f[13] !== 0x02 || f[15] !== 1) return null;
  const pdu = 14;
  const seq = new DataView(f.buffer, f.byteOffset).getUint32(pdu + 4);
  let ps = 0;
  let is = 0;
  for (let o = pdu + 4 + f[pdu + 3]; o < f.length && f[o] !== 0;) {
    const len = (f[o + 1] << 8) | f[o + 2];
    if (f[o] === 2) ps = f[o + 3];
    if (f[o] === 4) is = f[o + 3];
    o += 3 + len;
  }
  return { seq, ps, is };
}

let shim: PortReportingShim | null = null;
let mgr: OffloadManager | null = null;
afterEach(async () => {
  await mgr?.close();
  await shim?.close();
  mgr = null;
  shim = null;
});

describe('a vendor shim\'s hardware VOEs send the port state the board reports', () => {
  it('psBlocked, isLowerLayerDown, back to psUp/isUp: TLV values follow the port, the sequence runs on, a re-apply writes nothing', async () => {
    shim = new PortReportingShim({ libPath: mockAsicLibPath(), args: 'ports=2;port_voes=4;service_voes=4;peers=2', calls: 'sync' });
    const s = shim;
    expect(s.capabilities().voePortState).toBeUndefined();
    const mep = mkMep({ mepId: 1, switch: 'sw1', port: 'swp1', placement: 'hardware', portStatusTlv: true, interfaceStatusTlv: true, remoteMepIds: [2] });
    const other = mkMep({ mepId: 3, switch: 'sw1', port: 'swp2', placement: 'hardware', interfaceStatusTlv: true, remoteMepIds: [4], associationId: 'ma2' });
    const model = mkModel([mep, other]);
    mgr = new OffloadManager({ backend: s, profile: mkProfile(), clock: new VirtualClock(), switch: 'sw1' });
    await mgr.apply(model);
    const seen: Array<{ seq: number; ps: number; is: number }> = [];
    const run = (ms: number) => {
      s.device.mockAdvance(ms * 1e6);
      for (const f of s.device.mockPortTxDrain()) {
        const c = s.ports()[f.port] === 'swp1' ? ccmOf(f.frame) : null;
        if (c) seen.push(c);
      }
    };
    // a burst of port changes is one update job (queued in a microtask) on the manager's serial queue
    const settle = async () => {
      await new Promise((r) => setTimeout(r, 0));
      await mgr!.pollOnce();
    };
    const tlvs = async (port: string) => {
      const v = (await s.listVoes()).find((x) => x.spec.port === port)!;
      return [v.spec.portStatusTlv, v.spec.interfaceStatusTlv];
    };
    run(3000);
    expect(await tlvs('swp1')).toEqual([2, 1]);
    expect(seen.at(-1)).toMatchObject({ ps: 2, is: 1 });

    // STP blocks the port: psBlocked (21.5.4); only the VOE on that port is written
    s.report({ port: 'swp1', forwarding: false });
    await settle(); // after the manager's serial work
    expect(await tlvs('swp1')).toEqual([1, 1]);
    expect(await tlvs('swp2')).toEqual([0, 1]);
    expect(s.updates.map((u) => u.key)).toEqual([mep.key]);
    run(3000);
    expect(seen.at(-1)).toMatchObject({ ps: 1, is: 1 });

    // the lower layer goes down: isLowerLayerDown (21.5.5)
    s.report({ port: 'swp1', operStatus: 'lowerLayerDown' });
    await settle();
    run(2000);
    expect(await tlvs('swp1')).toEqual([1, 7]);
    expect(seen.at(-1)).toMatchObject({ ps: 1, is: 7 });

    // an identical re-apply (and a dry run) writes nothing while the port stays down
    const n = s.updates.length;
    const rep = await mgr.apply(model);
    expect(rep.ops).toEqual([]);
    expect((await dryRunApply(mgr, model)).ops).toEqual([]);
    expect(s.updates.length).toBe(n);
    // the same state reported again writes nothing either
    s.report({ port: 'swp1', forwarding: false, operStatus: 'lowerLayerDown' });
    await settle();
    expect(s.updates.length).toBe(n);

    s.report({ port: 'swp1', forwarding: true, operStatus: 'up' });
    await settle();
    run(2000);
    expect(await tlvs('swp1')).toEqual([2, 1]);
    expect(seen.at(-1)).toMatchObject({ ps: 2, is: 1 });

    // every CCM of the VOE in order: no reset, no gap across the three updates (802.1Q 20.10)
    expect(seen.length).toBeGreaterThanOrEqual(9);
    for (let i = 1; i < seen.length; i++) expect(seen[i].seq).toBe(seen[i - 1].seq + 1);
    // the configuration the manager reports stays the configured one
    expect(mgr.currentPlan!.meps.find((m) => m.key === mep.key)!.voe).toMatchObject({ portStatusTlv: 2, interfaceStatusTlv: 1 });
  });

  it('a port state known before the apply is in the VOE it creates', async () => {
    shim = new PortReportingShim({ libPath: mockAsicLibPath(), args: 'ports=2;port_voes=4;service_voes=4;peers=2', calls: 'sync' });
    mgr = new OffloadManager({ backend: shim, profile: PROFILE, clock: new VirtualClock(), switch: 'sw1' });
    shim.report({ port: 'swp1', operStatus: 'down' });
    const mep = mkMep({ mepId: 1, switch: 'sw1', port: 'swp1', placement: 'hardware', direction: 'up', portStatusTlv: true, interfaceStatusTlv: true, remoteMepIds: [2] });
    const rep = await mgr.apply(mkModel([mep]));
    expect(rep.ops.map((o) => o.kind)).toEqual(['create']);
    const [v] = await shim.listVoes();
    // an Up MEP whose port is down reports isDown (802.1Q 20.9.3); the port still forwards
    expect([v.spec.portStatusTlv, v.spec.interfaceStatusTlv]).toEqual([2, 2]);
    expect(shim.updates).toEqual([]);
  });
});
