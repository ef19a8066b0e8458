/**
 * Port state of the software datapath from rtnetlink (issue 12, 802.1Q 20.9.2-20.9.3): the
 * software backend reports its interfaces' oper state and bridge STP state (onPortState), and the
 * manager's CPU side makes software MEPs send them in their Port / Interface Status TLVs: a MEP on
 * a veth whose bridge port STP blocks sends psBlocked (and psUp again when it forwards), as the
 * CCMs captured on the other end show.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftwareBackend } from '../../src/backends/software/backend.js';
import { forwardingOf, operOf } from '../../src/backends/software/link-watch.js';
import { encodeAttrs, IFF_RUNNING, IFF_UP, IFLA_IFNAME, IFLA_OPERSTATE, nest, parseAttrs, str, u8, type Attr, type LinkMessage } from '../../src/netlink/index.js';
import type { PortStateChange } from '../../src/backends/types.js';
import { RealClock } from '../../src/common/clock.js';
import type { FrameRx } from '../../src/common/frame-port.js';
import { cpuBridgeView, CpuSide } from '../../src/offload/cpu-side.js';
import { decodeFrame, encodeMaid, type CcmPdu } from '../../src/pdu/index.js';
import { createVethLink, ip, linuxTestGate, waitFor, type VethLink } from './netns.js';

const gate = linuxTestGate('test/linux/link-watch (port state from rtnetlink)');

describe.skipIf(!gate.run)('software backend port state (rtnetlink) to the status TLVs of software MEPs', () => {
  let link: VethLink;
  let A: SoftwareBackend;
  let B: SoftwareBackend;
  let cpu: CpuSide;
  const states: PortStateChange[] = [];
  const ccms: CcmPdu[] = [];

  beforeAll(async () => {
    link = await createVethLink('lw');
    A = new SoftwareBackend({ ports: [link.ifA], netns: link.nsA, datapath: 'af-packet' });
    B = new SoftwareBackend({ ports: [link.ifB], netns: link.nsB, datapath: 'af-packet' });
    B.frames.onReceive((rx: FrameRx) => {
      try {
        const f = decodeFrame(rx.frame);
        if (f.pdu.opcode === 1) ccms.push(f.pdu as CcmPdu);
      } catch {
        // not ours
      }
    });
    A.onPortState((s) => states.push(s));
    cpu = new CpuSide({ backend: A, frames: A.frames, clock: new RealClock(), bridge: cpuBridgeView('a'), onFault: () => undefined });
  }, 30_000);

  afterAll(async () => {
    cpu?.close();
    await A?.close();
    await B?.close();
    await link?.cleanup();
  });

  const last = (): PortStateChange | undefined => states[states.length - 1];
  const lastCcm = (): CcmPdu | undefined => ccms[ccms.length - 1];
  const tlv = (p: CcmPdu | undefined, type: number): number | undefined => (p?.tlvs.find((t) => t.type === type) as { value?: number } | undefined)?.value;

  it('reports the interface up and forwarding first, then the peer going down and up', async () => {
    await waitFor(() => states.length > 0, 5000, 'the first port state');
    expect(states[0]).toEqual({ port: link.ifA, forwarding: true, operStatus: 'up' });
    await link.setLink('B', false);
    // the peer is in another namespace: no carrier, reported down (lowerLayerDown within one netns)
    await waitFor(() => last()?.operStatus === 'down' || last()?.operStatus === 'lowerLayerDown', 5000, 'down without carrier');
    await link.setLink('B', true);
    await waitFor(() => last()?.operStatus === 'up', 5000, 'up again');
    await link.setLink('A', false);
    await waitFor(() => last()?.operStatus === 'down', 5000, 'down (admin)');
    await link.setLink('A', true);
    await waitFor(() => last()?.operStatus === 'up', 5000, 'up after admin up');
  }, 30_000);

  it('a software MEP on the port sends psBlocked while its bridge port listens and learns (STP), psUp once it forwards', async () => {
    const maid = encodeMaid({ md: { format: 4, name: 'D' }, ma: { format: 2, name: 'M' } });
    cpu.engine.addMep({
      key: 'm1', mepId: 1, remoteMepIds: [2], level: 4, interval: 3, vlan: 0, maid, port: link.ifA, direction: 'down',
      mac: link.macA, portStatusTlv: 2, interfaceStatusTlv: 1,
    });
    await waitFor(() => tlv(lastCcm(), 2) === 2 && tlv(lastCcm(), 4) === 1, 5000, 'CCMs with psUp, isUp');
    // kernel STP with a 2 s forward delay: a new bridge port listens, learns, then forwards
    await ip('-n', link.nsA, 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '1', 'forward_delay', '200');
    await ip('-n', link.nsA, 'link', 'set', 'br0', 'up');
    await ip('-n', link.nsA, 'link', 'set', link.ifA, 'master', 'br0');
    await waitFor(() => last()?.forwarding === false, 5000, 'the listening state (not forwarding)');
    await waitFor(() => tlv(lastCcm(), 2) === 1, 5000, 'CCMs with psBlocked');
    await waitFor(() => last()?.forwarding === true, 10_000, 'the forwarding state');
    await waitFor(() => tlv(lastCcm(), 2) === 2, 5000, 'CCMs with psUp again');
    await ip('-n', link.nsA, 'link', 'set', link.ifA, 'nomaster');
    expect(last()?.forwarding).toBe(true);
  }, 30_000);
});

describe('link-watch decoding (no root needed)', () => {
  const msg = (flags: number, oper: number | null, protinfoState: number | null): LinkMessage => {
    const attrs: Attr[] = [str(IFLA_IFNAME, 'eth9')];
    if (oper !== null) attrs.push(u8(IFLA_OPERSTATE, oper));
    if (protinfoState !== null) attrs.push(nest(12, [u8(1, protinfoState)]));
    const bytes = encodeAttrs(attrs);
    return { header: { family: 0, type: 1, index: 9, flags, change: 0 }, attrs: parseAttrs(bytes, 0, bytes.length) };
  };
  it('maps RFC 2863 oper states; unknown counts as up when the interface is up and running', () => {
    expect(operOf(msg(IFF_UP | IFF_RUNNING, 6, null))).toBe('up');
    expect(operOf(msg(IFF_UP, 2, null))).toBe('down');
    expect(operOf(msg(IFF_UP, 3, null))).toBe('lowerLayerDown');
    expect(operOf(msg(IFF_UP, 5, null))).toBe('dormant');
    expect(operOf(msg(IFF_UP | IFF_RUNNING, 0, null))).toBe('up');
    expect(operOf(msg(IFF_UP, 0, null))).toBe('down');
    expect(operOf(msg(IFF_UP, null, null))).toBeUndefined();
  });
  it('a bridge port forwards only in BR_STATE_FORWARDING', () => {
    expect(forwardingOf(msg(0, null, 3))).toBe(true);
    for (const st of [0, 1, 2, 4]) expect(forwardingOf(msg(0, null, st))).toBe(false);
    expect(forwardingOf(msg(0, null, null))).toBeUndefined();
  });
});

describe.skipIf(!gate.run)('software backend VOEs send the port state in their status TLVs', () => {
  it('a VOE on a bridge port sends psBlocked while STP listens and learns, psUp once it forwards; the spec read back keeps psUp', async () => {
    const link = await createVethLink('lv');
    const A = new SoftwareBackend({ ports: [link.ifA], netns: link.nsA, datapath: 'af-packet' });
    const B = new SoftwareBackend({ ports: [link.ifB], netns: link.nsB, datapath: 'af-packet' });
    try {
      const got: CcmPdu[] = [];
      B.frames.onReceive((rx: FrameRx) => {
        try {
          const f = decodeFrame(rx.frame);
          if (f.pdu.opcode === 1 && (f.pdu as CcmPdu).mepId === 7) got.push(f.pdu as CcmPdu);
        } catch {
          // not a CFM frame
        }
      });
      const maid = encodeMaid({ md: { format: 4, name: 'D' }, ma: { format: 2, name: 'V' } });
      const h = await A.createVoe({
        key: 'v7', port: link.ifA, direction: 'down', level: 5, vlan: 0, unicastMac: link.macA, mepId: 7, maid, interval: 3,
        priority: 7, peers: [8], ccmTx: true, ccmRx: true, seqUpdate: true, rdi: false, portStatusTlv: 2, interfaceStatusTlv: 1,
      });
      const ps = (): number | undefined => (got[got.length - 1]?.tlvs.find((t) => t.type === 2) as { value?: number } | undefined)?.value;
      await waitFor(() => ps() === 2, 5000, 'CCMs with psUp');
      await ip('-n', link.nsA, 'link', 'add', 'br1', 'type', 'bridge', 'stp_state', '1', 'forward_delay', '200');
      await ip('-n', link.nsA, 'link', 'set', 'br1', 'up');
      await ip('-n', link.nsA, 'link', 'set', link.ifA, 'master', 'br1');
      await waitFor(() => ps() === 1, 5000, 'CCMs with psBlocked');
      expect((await A.listVoes()).find((v) => v.handle === h)?.spec.portStatusTlv).toBe(2);
      await waitFor(() => ps() === 2, 10_000, 'CCMs with psUp once forwarding');
    } finally {
      await A.close();
      await B.close();
      await link.cleanup();
    }
  }, 30_000);
});
