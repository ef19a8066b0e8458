/**
 * INSIDE the qemu VM (vitest boot): the bridge ports' state in the kernel MEPs' Port Status and
 * Interface Status TLVs (issue 12 item 3; 802.1Q 20.9.2-20.9.3, 21.5.4-21.5.5). Bridge brp runs
 * kernel STP with a 2 s forward delay; port p0 (veth to q0) carries kernel MEP 1 with both TLVs
 * under the offload manager. Taking q0 down leaves p0 without carrier: lower layer down and STP
 * disabled (IF_TLV_VALUE 7, PORT_TLV_VALUE psBlocked). When q0 comes back p0 listens and learns
 * (psBlocked, isUp) before it forwards (psUp). The backend hears the kernel's notifications, the
 * manager writes the values into CC_CCM_TX, and the CCMs on the wire carry them with their
 * sequence numbers running on. (Setting a port's state by hand does not block it without STP:
 * the kernel puts a designated port back to forwarding at once.)
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { LinuxBridgeBackend } from '../../../src/backends/linux-bridge/index.js';
import { PacketSocket } from '../../../src/native/packet.js';
import { openSwitch, type CfmSwitch } from '../../../src/offload/api.js';
import { assert, sh, waitFor } from './report.js';

/** Sequence number and status TLV values of MEP 1's CCMs arriving on `ifname`. */
class TlvTap {
  readonly seen: Array<{ seq: number; ps: number; is: number }> = [];
  private readonly s: PacketSocket;
  constructor(ifname: string) {
    this.s = new PacketSocket(ifname);
    this.s.onFrames((frames) => {
      for (const f of frames) {
        if (f.length < 14 + 75 || f[12] !== 0x89 || f[13] !== 0x02 || f[15] !== 1 || (((f[22] << 8) | f[23]) & 0x1fff) !== 1) continue;
        let ps = 0;
        let is = 0;
        for (let o = 14 + 4 + f[17]; o + 3 < f.length && f[o] !== 0;) {
          const len = (f[o + 1] << 8) | f[o + 2];
          if (f[o] === 2) ps = f[o + 3];
          if (f[o] === 4) is = f[o + 3];
          o += 3 + len;
        }
        this.seen.push({ seq: new DataView(f.buffer, f.byteOffset).getUint32(18), ps, is });
      }
    });
  }
  close(): void {
    this.s.close();
  }
}

describe('linux-bridge: kernel MEPs send the bridge port state in their status TLVs (issue 12 item 3)', () => {
  let b: LinuxBridgeBackend;
  let sw: CfmSwitch | undefined;
  let tap: TlvTap;
  const tlvs = async () => {
    const [v] = await b.listVoes();
    return [v.spec.portStatusTlv, v.spec.interfaceStatusTlv];
  };

  beforeAll(async () => {
    sh('ip', 'link', 'add', 'brp', 'type', 'bridge', 'stp_state', '1', 'forward_delay', '200');
    sh('ip', 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'q0');
    sh('ip', 'link', 'set', 'p0', 'master', 'brp');
    for (const d of ['brp', 'p0', 'q0']) sh('ip', 'link', 'set', d, 'up');
    writeFileSync('/tmp/ps.yaml', `cfm:
  maintenance-domain:
    - { md-id: d, none: [null], md-level: 5, maintenance-association: [ { ma-id: link, icc-based: { icc: VM, umc: PS }, ccm-interval: 100ms, maintenance-association-mep: [1, 2] } ] }
  maintenance-group:
    - { maintenance-group-id: g, md-id: d, ma-id: link, mep: [ { mep-id: 1, interface: p0, direction: down, enabled: true, mac-address: 02-00-00-00-0c-01, port-status-tlv: true, interface-status-tlv: true, continuity-check: { ccm-enabled: true } } ] }
`);
    b = await LinuxBridgeBackend.open({ bridge: 'brp', ccmTxPeriodS: 6 });
    tap = new TlvTap('q0');
    sw = openSwitch({ config: '/tmp/ps.yaml', profile: 'linux-bridge', backend: b });
    await sw.apply();
  });

  it('forwarding: psUp / isUp on the wire', async () => {
    // the new port listens and learns (4 s) first: the VOE follows to psUp once it forwards
    assert(await waitFor(async () => tap.seen.at(-1)?.ps === 2 && tap.seen.at(-1)?.is === 1, 15_000, 100), `no CCM with psUp/isUp (saw ${JSON.stringify(tap.seen.slice(-3))})`);
  });

  it('no carrier: psBlocked + isLowerLayerDown; listening: psBlocked + isUp; forwarding: psUp, the sequence running on', async () => {
    sh('ip', 'link', 'set', 'q0', 'down');
    assert(await waitFor(async () => JSON.stringify(await tlvs()) === '[1,7]', 5000, 100), `TLV values with q0 down: ${JSON.stringify(await tlvs())}, expected [1,7]`);
    const before = tap.seen.length;
    sh('ip', 'link', 'set', 'q0', 'up');
    assert(await waitFor(async () => JSON.stringify(await tlvs()) === '[1,1]', 5000, 100), `TLV values while p0 listens: ${JSON.stringify(await tlvs())}, expected [1,1]`);
    assert(await waitFor(async () => JSON.stringify(await tlvs()) === '[2,1]', 10_000, 100), `TLV values once p0 forwards: ${JSON.stringify(await tlvs())}, expected [2,1]`);
    assert(await waitFor(async () => tap.seen.at(-1)?.ps === 2, 4000, 100), 'psUp not back on the wire');
    const after = tap.seen.slice(before);
    const blocked = after.filter((c) => c.ps === 1 && c.is === 1).length;
    // CC_CCM_TX alone was sent: the kernel's sequence runs on (a CC_CONFIG would restart it at 1)
    const seqs = tap.seen.map((c) => c.seq);
    for (let i = 1; i < seqs.length; i++) assert(seqs[i] > seqs[i - 1], `sequence restarted: ${seqs.slice(Math.max(0, i - 2), i + 2).join(',')}`);
    const up = after.findIndex((c) => c.ps === 2);
    if (up > 0) assert(after[up].seq === after[up - 1].seq + 1, `sequence gap at the update to psUp: ${after[up - 1].seq} -> ${after[up].seq}`);
    return { ccmsWhileListening: blocked };
  });

  afterAll(async () => {
    await sw?.close();
    tap.close();
    await b.close();
    sh('ip', 'link', 'del', 'brp');
    sh('ip', 'link', 'del', 'p0');
  });
});
