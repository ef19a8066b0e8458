/**
 * Inside the VM: the kernel's bridge CFM as the receiver of OUR software MEP's CCMs (the engine,
 * sending on an AF_PACKET socket). The kernel checks each CCM's sequence number against its last
 * + 1 with a last of 0 after a CC config (br_cfm.c, cfm-facts 1.3) and reports a mismatch as
 * CC_PEER_STATUS SEQ_UNEXP_SEEN: our first CCM carries 1 (802.1Q 20.10, 20.16.12; as the kernel,
 * Open vSwitch and our VOE start), so the flag stays 0. With a first CCM 0 it was set.
 * Bridge br2 with port k0 holds kernel MEP 1 (peer 2); its veth peer e0 is no bridge port: the
 * engine's MEP 2 sends there.
 */
import { LinuxBridgeBackend } from '../../../src/backends/linux-bridge/index.js';
import { RealClock } from '../../../src/common/clock.js';
import { CfmEngine } from '../../../src/engine/index.js';
import { PacketSocket } from '../../../src/native/packet.js';
import { decodeBridgeCfm } from '../../../src/netlink/bridge-cfm.js';
import { AF_BRIDGE, RTEXT_FILTER_CFM_STATUS, RTM_NEWLINK } from '../../../src/netlink/constants.js';
import { listLinks, openRoute } from '../../../src/netlink/route.js';
import { decodeLinkMessage, encodeGetLinkDump } from '../../../src/netlink/rtnl.js';
import type { PeerStatusInfo } from '../../../src/netlink/bridge-cfm.js';
import { testMaid } from './bridge.js';
import { assert, assertEq, check, sh, sleep } from './report.js';

const MAID = testMaid('vm-engine');

/** The kernel's status of peer `peer` of the MEPs on bridge `bridgeIfindex` (one status dump). */
async function peerStatus(bridgeIfindex: number, peer: number): Promise<PeerStatusInfo | undefined> {
  const s = openRoute();
  try {
    const msgs = await s.dump((seq) => encodeGetLinkDump(seq, AF_BRIDGE, RTEXT_FILTER_CFM_STATUS), 'bridge CFM status dump');
    for (const m of msgs) {
      if (m.type !== RTM_NEWLINK) continue;
      const info = decodeBridgeCfm(decodeLinkMessage(m));
      if (info?.bridgeIfindex === bridgeIfindex) return info.peerStatus.find((p) => p.peerMepId === peer);
    }
    return undefined;
  } finally {
    s.close();
  }
}

export async function runEnginePeerScenario(): Promise<void> {
  sh('ip', 'link', 'add', 'br2', 'type', 'bridge');
  sh('ip', 'link', 'add', 'k0', 'type', 'veth', 'peer', 'name', 'e0');
  sh('ip', 'link', 'set', 'k0', 'master', 'br2');
  for (const d of ['br2', 'k0', 'e0']) sh('ip', 'link', 'set', d, 'up');
  const s = openRoute();
  const br2 = (await listLinks(s)).find((l) => l.name === 'br2')!.index;
  s.close();

  const kernel = await LinuxBridgeBackend.open({ bridge: 'br2', ccmTxPeriodS: 3 });
  const handle = await kernel.createVoe({
    key: 'vm/engine-peer/1', port: 'k0', direction: 'down', level: 5, vlan: 0, unicastMac: '02:00:00:00:0e:01', mepId: 1,
    maid: MAID, interval: 3, priority: 7, peers: [2], ccmTx: false, ccmRx: true, seqUpdate: true, rdi: false,
    portStatusTlv: 0, interfaceStatusTlv: 0,
  });
  const tx = new PacketSocket('e0', { receive: false });
  const engine = new CfmEngine({ clock: new RealClock(), port: { send: (_p, f) => { tx.send(f); }, onReceive: () => () => {} } });

  await check('kernel MEP receiving our engine MEP\'s CCMs: peer seen, SEQ_UNEXP_SEEN stays 0 (first CCM 1)', async () => {
    engine.addMep({
      key: 'engine/2', mepId: 2, remoteMepIds: [1], level: 5, interval: 3, vlan: 0, maid: MAID, port: 'e0', direction: 'down',
      mac: '02:00:00:00:0e:02',
    });
    await sleep(1000); // 10 CCMs at 100 ms, the first one 1
    const st = await peerStatus(br2, 2);
    assert(st, 'no CC_PEER_STATUS for peer 2 on br2');
    const sent = engine.status('engine/2').counters.ccmsSent;
    assert(sent >= 5, `the engine sent only ${sent} CCMs`);
    assertEq([st.seen, st.ccmDefect, st.seqUnexpSeen], [true, false, false], 'peer 2: seen, ccm_defect, seq_unexp_seen');
    // and on: another second of CCMs, another read (the dump cleared the flags)
    await sleep(1000);
    const st2 = await peerStatus(br2, 2);
    assertEq([st2?.seen, st2?.seqUnexpSeen], [true, false], 'peer 2 one second later: seen, seq_unexp_seen');
    return { ccmsSent: engine.status('engine/2').counters.ccmsSent, first: st, second: st2 };
  });

  engine.removeMep('engine/2');
  tx.close();
  await kernel.deleteVoe(handle);
  await kernel.close();
  sh('ip', 'link', 'del', 'k0');
  sh('ip', 'link', 'del', 'br2');
}
