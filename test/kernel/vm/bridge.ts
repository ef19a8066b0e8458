/**
 * Inside the VM: the linux-bridge backend against the real bridge CFM. Two bridges joined by a
 * veth (br0:v0 <-> v1:br1), a MEP on each side, sessions up, CCMs checked on the wire, RDI seen
 * across, link down -> LOC notification -> fault event, link up -> cleared, keep-alive and its
 * absence, adoption after a restart, and the kernel's own refusals with their extack text.
 */
import { LinuxBridgeBackend } from '../../../src/backends/linux-bridge/index.js';
import type { HwEvent, VoeSpec } from '../../../src/backends/types.js';
import { CfmError } from '../../../src/common/errors.js';
import { PacketSocket } from '../../../src/native/packet.js';
import { bytes, nest, u16, u32, u8 } from '../../../src/netlink/attrs.js';
import { decodeBridgeCfm, encodeCfmSetLink } from '../../../src/netlink/bridge-cfm.js';
import {
  AF_BRIDGE, BRIDGE_FLAGS_SELF, IFLA_AF_SPEC, IFLA_BRIDGE_CFM, IFLA_BRIDGE_FLAGS, NLM_F_ACK, NLM_F_REQUEST,
  RTMGRP_LINK, RTM_NEWLINK, RTM_SETLINK,
} from '../../../src/netlink/constants.js';
import { NetlinkError } from '../../../src/netlink/errors.js';
import { encodeMessage } from '../../../src/netlink/message.js';
import { listLinks, openRoute } from '../../../src/netlink/route.js';
import { decodeLinkMessage, encodeIfInfoMsg } from '../../../src/netlink/rtnl.js';
import type { Attr } from '../../../src/netlink/attrs.js';
import { assert, assertEq, check, rejects, sh, sleep, waitFor } from './report.js';

export function testMaid(name: string): Uint8Array {
  const m = new Uint8Array(48);
  const n = new TextEncoder().encode(name);
  m[0] = 1; // MD name format: none
  m[1] = 2; // MA short name format: character string
  m[2] = n.length;
  m.set(n, 3);
  return m;
}

const MAID = testMaid('vm-test');

function spec(over: Partial<VoeSpec>): VoeSpec {
  return {
    key: 'vm/ma/mep', port: 'v0', direction: 'down', level: 5, vlan: 0, unicastMac: '02:00:00:00:00:01', mepId: 1,
    maid: MAID, interval: 3, priority: 7, peers: [], ccmTx: true, ccmRx: true, seqUpdate: true, rdi: false,
    portStatusTlv: 2, interfaceStatusTlv: 1, ...over,
  };
}

interface Ccm {
  da: string;
  sa: string;
  level: number;
  version: number;
  opcode: number;
  flags: number;
  tlvOffset: number;
  seq: number;
  mepId: number;
  maid: number[];
  tlvs: string;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function mac(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Parses an untagged CCM frame by hand (802.1Q 21.6, Table 21-14). */
function parseCcm(f: Uint8Array): Ccm | undefined {
  if (f.length < 14 + 75 || f[12] !== 0x89 || f[13] !== 0x02) return undefined;
  const p = f.subarray(14);
  if (p[1] !== 1) return undefined;
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  return {
    da: mac(f.subarray(0, 6)), sa: mac(f.subarray(6, 12)), level: p[0] >> 5, version: p[0] & 0x1f, opcode: p[1], flags: p[2],
    tlvOffset: p[3], seq: dv.getUint32(4), mepId: dv.getUint16(8) & 0x1fff, maid: Array.from(p.subarray(10, 58)),
    tlvs: hex(p.subarray(74)),
  };
}

class Capture {
  readonly frames: Ccm[] = [];
  private readonly sock: PacketSocket;
  constructor(ifname: string) {
    this.sock = new PacketSocket(ifname);
    this.sock.onFrames((frames) => {
      for (const f of frames) {
        const c = parseCcm(f);
        if (c) this.frames.push(c);
      }
    });
  }
  from(mepId: number): Ccm[] {
    return this.frames.filter((c) => c.mepId === mepId);
  }
  close(): void {
    this.sock.close();
  }
}

function ip(...args: string[]): void {
  sh('ip', ...args);
}

async function rawSetlink(bridgeIfindex: number, cfmChildren: Attr[]): Promise<void> {
  const sock = openRoute();
  try {
    await sock.request((seq) => encodeMessage(
      { type: RTM_SETLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq, portId: 0 },
      encodeIfInfoMsg({ family: AF_BRIDGE, index: bridgeIfindex }),
      [nest(IFLA_AF_SPEC, [u16(IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF), nest(IFLA_BRIDGE_CFM, cfmChildren)], false)],
    ), 'raw bridge CFM request');
  } finally {
    sock.close();
  }
}

function has(events: HwEvent[], kind: string, peer: number, active: boolean): boolean {
  return events.some((e) => e.kind === kind && e.peerMepId === peer && e.active === active);
}

export async function runBridgeScenario(): Promise<void> {
  ip('link', 'add', 'br0', 'type', 'bridge');
  ip('link', 'add', 'br1', 'type', 'bridge');
  ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ip('link', 'set', 'v0', 'master', 'br0');
  ip('link', 'set', 'v1', 'master', 'br1');
  for (const d of ['br0', 'br1', 'v0', 'v1']) ip('link', 'set', d, 'up');

  const links = await (async () => {
    const s = openRoute();
    try {
      return await listLinks(s);
    } finally {
      s.close();
    }
  })();
  const idx = (n: string): number => links.find((l) => l.name === n)!.index;

  // ---- the kernel's own answers -----------------------------------------------------------
  await check('kernel: empty CFM request accepted (bridge CFM present)', async () => {
    await rawSetlink(idx('br0'), []);
  });
  await check('kernel: unknown instance -> ENOENT with extack', async () => {
    const e = await rejects((async () => {
      const s = openRoute();
      try {
        await s.request((seq) => encodeCfmSetLink(seq, idx('br0'), [{ cmd: 'mepDelete', value: { instance: 4242 } }]), 'delete 4242');
      } finally {
        s.close();
      }
    })(), 'MEP_DELETE of an unknown instance');
    assert(e instanceof NetlinkError, `NetlinkError expected, got ${e.constructor.name}`);
    assertEq(e.errno, 2, 'errno');
    assert(e.extack?.includes('MEP instance does not exists'), `extack was '${e.extack}'`);
    assert(e.message.includes('ENOENT') && e.message.includes('MEP instance does not exists'), `message: ${e.message}`);
    return { message: e.message };
  });
  await check('kernel: Up-MEP refused with EINVAL "Up-MEP not supported"', async () => {
    const e = await rejects(rawSetlink(idx('br0'), [nest(1, [u32(1, 77), u32(2, 0), u32(3, 1), u32(4, idx('v0'))])]), 'up MEP');
    assertEq((e as NetlinkError).errno, 22, 'errno');
    assert(e.extack?.includes('Up-MEP not supported'), `extack was '${e.extack}'`);
    return { extack: e.extack };
  });
  await check('kernel: TLV value as u32 instead of u8 -> EINVAL', async () => {
    const tx = nest(8, [u32(1, 1), bytes(2, Uint8Array.of(1, 0x80, 0xc2, 0, 0, 0x35)), u32(3, 1), u32(4, 1), u32(5, 1), u32(6, 1), u32(7, 1), u8(8, 2)]);
    const e = await rejects(rawSetlink(idx('br0'), [tx]), 'u32 IF_TLV_VALUE');
    assertEq((e as NetlinkError).errno, 22, 'errno');
    return { extack: e.extack };
  });
  await check('kernel: MAID longer than 48 bytes -> ERANGE', async () => {
    const e = await rejects(rawSetlink(idx('br0'), [nest(4, [u32(1, 1), u32(2, 1), u32(3, 4), bytes(4, new Uint8Array(49))])]), '49-byte MAID');
    assertEq((e as NetlinkError).errno, 34, 'errno');
    return { extack: e.extack };
  });

  // ---- two MEPs across a veth -------------------------------------------------------------
  const keyFile = '/tmp/br1-keys.json';
  const a = await LinuxBridgeBackend.open({ bridge: 'br0', ccmTxPeriodS: 3 });
  let b = await LinuxBridgeBackend.open({ bridge: 'br1', ccmTxPeriodS: 3, keyMapPath: keyFile });
  const capV1 = new Capture('v1'); // what A sends, seen arriving at v1
  const capV0 = new Capture('v0'); // what B sends
  const specA = spec({ key: 'vm/ma/mep1', port: 'v0', mepId: 1, peers: [2], unicastMac: '02:00:00:00:00:01' });
  const specB = spec({ key: 'vm/ma/mep2', port: 'v1', mepId: 2, peers: [1], unicastMac: '02:00:00:00:00:02' });
  let ha = 0;
  let hb = 0;

  await check('backend: capabilities say what the kernel cannot do', () => {
    const c = a.capabilities();
    assertEq([c.kind, c.upMep, c.vlanMep, c.loopbackOffload, c.linktraceOffload, c.serviceVoes, c.portVoes], ['linux-bridge', false, false, false, false, 0, 1], 'caps');
    assertEq(c.rxIntervals, [3, 4, 5, 6, 7], 'rxIntervals');
    assertEq(a.ports(), ['v0'], 'ports');
    return c;
  });

  await check('backend: MEPs created on both bridges', async () => {
    ha = await a.createVoe(specA);
    hb = await b.createVoe(specB);
    const la = await a.listVoes();
    assertEq(la.map((v) => v.handle), [ha], 'handles on br0');
    assertEq({ ...la[0].spec, maid: Array.from(la[0].spec.maid) }, { ...specA, maid: Array.from(specA.maid) }, 'read-back spec');
    return { ha, hb };
  });

  await check('sessions come up (no LOC, peers seen, TLVs received)', async () => {
    const ok = await waitFor(async () => {
      const sa = await a.readStatus(ha);
      const sb = await b.readStatus(hb);
      return sa.peers[0].seen && !sa.peers[0].loc && sb.peers[0].seen && !sb.peers[0].loc ? { sa, sb } : undefined;
    }, 5000, 200);
    assert(ok, 'sessions did not come up within 5 s');
    assertEq([ok.sa.peers[0].portStatusTlv, ok.sa.peers[0].interfaceStatusTlv], [2, 1], 'TLVs A received');
    await a.pollEvents();
    await b.pollEvents();
    return ok.sa.peers;
  });

  await check('CCMs on the wire carry the configured fields', async () => {
    await waitFor(async () => capV1.from(1).length >= 5, 3000, 100);
    const f = capV1.from(1);
    assert(f.length >= 3, `only ${f.length} CCMs from MEP 1 captured on v1`);
    for (const c of f) {
      assertEq([c.da, c.sa, c.level, c.version, c.opcode, c.flags & 0x7f, c.tlvOffset], ['01:80:c2:00:00:35', '02:00:00:00:00:01', 5, 0, 1, 3, 70], 'header');
      assertEq(c.maid, Array.from(MAID), 'MAID');
      // Port Status TLV (psUp), Interface Status TLV (isUp), End TLV (802.1Q 21.5.4, 21.5.5)
      assertEq(c.tlvs.slice(0, 18), '020001020400010100', 'TLVs');
    }
    for (let i = 1; i < f.length; i++) assertEq(f[i].seq, f[i - 1].seq + 1, 'sequence');
    return { captured: f.length, firstSeq: f[0].seq };
  });

  await check('RDI set on B is seen by A (event + status + wire)', async () => {
    await b.setRdi(hb, true);
    const ev = await waitFor(async () => {
      const e = await a.pollEvents();
      return has(e, 'rdi', 2, true) ? e : undefined;
    }, 3000, 150);
    assert(ev, 'no RDI event on A');
    assert((await a.readStatus(ha)).peers[0].rdi, 'A status shows no RDI');
    assert(capV0.from(2).some((c) => (c.flags & 0x80) !== 0), 'no CCM with the RDI bit from MEP 2 on the wire');
    await b.setRdi(hb, false);
    const cleared = await waitFor(async () => has(await a.pollEvents(), 'rdi', 2, false), 3000, 150);
    assert(cleared, 'RDI not cleared on A');
    return { events: ev };
  });

  await check('link down -> LOC notification -> fault event; link up -> cleared', async () => {
    const listener = openRoute({ groups: RTMGRP_LINK });
    const notes: { loc: boolean; peer: number }[] = [];
    listener.onNotification((m) => {
      if (m.type !== RTM_NEWLINK) return;
      const info = decodeBridgeCfm(decodeLinkMessage(m));
      if (info && info.bridgeIfindex === idx('br0')) for (const p of info.peerStatus) notes.push({ loc: p.ccmDefect, peer: p.peerMepId });
    });
    listener.setKeepAlive(true);
    const t0 = Date.now();
    ip('link', 'set', 'v1', 'down');
    const down = await waitFor(async () => {
      const e = await a.pollEvents();
      return has(e, 'loc', 2, true) ? e : undefined;
    }, 5000, 100);
    const locMs = Date.now() - t0;
    assert(down, 'no LOC event within 5 s of link down');
    // the listener is another socket: its notification may be read after A's dump reply
    await waitFor(async () => notes.some((n) => n.loc && n.peer === 2), 2000, 50);
    assert(notes.some((n) => n.loc && n.peer === 2), `no RTNLGRP_LINK notification with ccm_defect for peer 2 (got ${JSON.stringify(notes)})`);
    assert((await a.readStatus(ha)).peers[0].loc, 'status does not show LOC');
    ip('link', 'set', 'v1', 'up');
    const up = await waitFor(async () => has(await a.pollEvents(), 'loc', 2, false), 5000, 100);
    assert(up, 'LOC not cleared within 5 s of link up');
    await waitFor(async () => notes.some((n) => !n.loc && n.peer === 2), 2000, 50);
    assert(notes.some((n) => !n.loc && n.peer === 2), `no clearing notification (got ${JSON.stringify(notes)})`);
    listener.close();
    return { locAfterMs: locMs, notifications: notes.length };
  });

  await check('keep-alive: transmission continues beyond PERIOD (3 s)', async () => {
    await sleep(4500);
    const s = await a.readStatus(ha);
    assert(!s.peers[0].loc, 'A lost B although B keeps its transmission alive');
    return s.peers[0];
  });

  await check('without keep-alive the kernel stops sending after PERIOD -> peer LOC', async () => {
    await b.close(); // timers stop; the MEP stays in the kernel
    const ev = await waitFor(async () => {
      const e = await a.pollEvents();
      return has(e, 'loc', 2, true) ? e : undefined;
    }, 8000, 200);
    assert(ev, 'A saw no LOC after B stopped refreshing CC_CCM_TX');
  });

  await check('adoption: a restarted backend finds its MEP by key; re-applying the spec restarts CCM TX', async () => {
    b = await LinuxBridgeBackend.open({ bridge: 'br1', ccmTxPeriodS: 3, keyMapPath: keyFile });
    const list = await b.listVoes();
    assertEq(list.map((v) => [v.handle, v.spec.key]), [[hb, 'vm/ma/mep2']], 'adopted VOEs');
    // The kernel ended the transmission (PERIOD ran out): read back as ccmTx false, as it is.
    assertEq(list[0].spec.ccmTx, false, 'ccmTx after the period ran out');
    await b.updateVoe(hb, specB); // what the reconciler does for the difference
    const ev = await waitFor(async () => has(await a.pollEvents(), 'loc', 2, false), 8000, 200);
    assert(ev, 'A did not see B again after adoption');
  });

  await check('a CCM with another MAID is dropped by the kernel (looks like LOC)', async () => {
    await b.updateVoe(hb, { ...specB, maid: testMaid('other') });
    const ev = await waitFor(async () => has(await a.pollEvents(), 'loc', 2, true), 5000, 150);
    assert(ev, 'no LOC while B sends a wrong MAID');
    await b.updateVoe(hb, specB);
    const back = await waitFor(async () => has(await a.pollEvents(), 'loc', 2, false), 5000, 150);
    assert(back, 'LOC not cleared after the MAID was fixed');
  });

  await check('one MEP per port; up/VLAN MEPs refused before the kernel is asked', async () => {
    const e1 = await rejects(a.createVoe({ ...specA, key: 'vm/second', mepId: 9 }), 'second MEP on v0');
    assertEq((e1 as CfmError).code, 'BACKEND', 'code');
    const e2 = await rejects(a.createVoe({ ...specA, key: 'vm/up', direction: 'up' }), 'up MEP');
    assertEq((e2 as CfmError).code, 'UNSUPPORTED', 'code');
    const e3 = await rejects(a.createVoe({ ...specA, key: 'vm/vlan', vlan: 100 }), 'VLAN MEP');
    assertEq((e3 as CfmError).code, 'UNSUPPORTED', 'code');
    return [e1.message, e2.message, e3.message];
  });

  await check('delete: MEPs gone from the kernel', async () => {
    await a.deleteVoe(ha);
    await b.deleteVoe(hb);
    assertEq((await a.listVoes()).length + (await b.listVoes()).length, 0, 'VOEs left');
  });

  capV0.close();
  capV1.close();
  await a.close();
  await b.close();
}
