/**
 * Inside the VM: the steps of the shared backend contract suite (test/backends/contract.ts),
 * driven against the linux-bridge backend on a two-port bridge, for when vitest itself is not
 * run in the VM (`npm run test:kernel` runs the real suite too; see test/kernel/kernel.test.ts).
 * Same specs (MD level 5, peers 101/102, 100 ms), same expectations, same typed errors.
 */
import { LinuxBridgeBackend } from '../../../src/backends/linux-bridge/index.js';
import type { VoeSpec } from '../../../src/backends/types.js';
import { CfmError } from '../../../src/common/errors.js';
import { assert, assertEq, check, rejects, sh, sleep } from './report.js';
import { testMaid } from './bridge.js';

const MAID = testMaid('contract');

function baseSpec(ports: string[], n: number): VoeSpec {
  return {
    key: `contract/ma/mep${n}`, port: ports[n % ports.length], direction: 'down', level: 5, vlan: 0,
    unicastMac: `02:c0:00:00:00:${(n % 256).toString(16).padStart(2, '0')}`, mepId: n, maid: MAID, interval: 3,
    priority: 7, peers: [100 + n, 200 + n], ccmTx: true, ccmRx: true, seqUpdate: true, rdi: false,
    portStatusTlv: 2, interfaceStatusTlv: 1,
  };
}

function plain(s: VoeSpec): unknown {
  return { ...s, maid: Array.from(s.maid) };
}

async function typed(p: Promise<unknown>, what: string): Promise<string> {
  const e = await rejects(p, what);
  assert(e instanceof CfmError && e.code === 'BACKEND', `${what}: expected CfmError BACKEND, got ${(e as CfmError).code ?? e.constructor.name}: ${e.message}`);
  return e.message;
}

export async function runContractSteps(): Promise<void> {
  sh('ip', 'link', 'add', 'brc', 'type', 'bridge');
  for (const p of ['c0', 'c1']) {
    sh('ip', 'link', 'add', p, 'type', 'veth', 'peer', 'name', `${p}p`);
    sh('ip', 'link', 'set', p, 'master', 'brc');
    sh('ip', 'link', 'set', p, 'up');
    sh('ip', 'link', 'set', `${p}p`, 'up');
  }
  sh('ip', 'link', 'set', 'brc', 'up');
  const b = await LinuxBridgeBackend.open({ bridge: 'brc', ccmTxPeriodS: 5 });
  const ports = b.ports();

  await check('contract: sane capabilities and ports', () => {
    const c = b.capabilities();
    assertEq(c.kind, b.kind, 'kind');
    assertEq(ports, ['c0', 'c1'], 'ports');
    assertEq(c.portVoes, 2, 'portVoes (one per port)');
    assert(c.peersPerVoe >= 1, 'peersPerVoe');
    assertEq([...c.txIntervals].sort(), c.txIntervals, 'txIntervals sorted');
  });

  await check('contract: creates, lists, reads back, updates and deletes VOEs', async () => {
    assertEq(await b.listVoes(), [], 'empty at start');
    const s1 = baseSpec(ports, 1);
    const s2 = { ...baseSpec(ports, 2), level: 3, rdi: true, seqUpdate: false, portStatusTlv: 0, interfaceStatusTlv: 0 };
    const h1 = await b.createVoe(s1);
    const h2 = await b.createVoe(s2);
    assert(h1 !== h2, 'distinct handles');
    let list = await b.listVoes();
    assertEq(list.map((v) => v.handle).sort(), [h1, h2].sort(), 'handles');
    assertEq(plain(list.find((v) => v.handle === h1)!.spec), plain(s1), 'spec 1');
    assertEq(plain(list.find((v) => v.handle === h2)!.spec), plain(s2), 'spec 2');
    const u1: VoeSpec = { ...s1, priority: 3, rdi: true, peers: s1.peers.slice(0, 1), interval: 4, key: 'contract/ma/renamed' };
    await b.updateVoe(h1, u1);
    list = await b.listVoes();
    assertEq(plain(list.find((v) => v.handle === h1)!.spec), plain(u1), 'updated spec');
    await b.setRdi(h1, false);
    assertEq((await b.listVoes()).find((v) => v.handle === h1)!.spec.rdi, false, 'rdi after setRdi');
    await b.deleteVoe(h1);
    assertEq((await b.listVoes()).map((v) => v.handle), [h2], 'after delete');
    await typed(b.deleteVoe(h1), 'delete twice');
    await b.deleteVoe(h2);
    assertEq(await b.listVoes(), [], 'empty at end');
  });

  await check('contract: rejects bad input and unknown handles with typed errors', async () => {
    const s = baseSpec(ports, 7);
    const msgs = [
      await typed(b.readStatus(987654), 'readStatus unknown'),
      await typed(b.deleteVoe(987654), 'deleteVoe unknown'),
      await typed(b.setRdi(987654, true), 'setRdi unknown'),
      await typed(b.updateVoe(987654, s), 'updateVoe unknown'),
      await typed(b.createVoe({ ...s, level: 8 }), 'level 8'),
      await typed(b.createVoe({ ...s, mepId: 0 }), 'mepId 0'),
      await typed(b.createVoe({ ...s, mepId: 8192 }), 'mepId 8192'),
      await typed(b.createVoe({ ...s, port: 'no-such-port' }), 'unknown port'),
      await typed(b.createVoe({ ...s, unicastMac: 'not-a-mac' }), 'bad MAC'),
      await typed(b.createVoe({ ...s, maid: new Uint8Array(10) }), 'short MAID'),
      await typed(b.createVoe({ ...s, key: 'k'.repeat(64) }), '64-byte key'),
    ];
    assertEq(await b.listVoes(), [], 'nothing half-created');
    return msgs;
  });

  await check('contract: refuses an interval the backend does not check (3.33 ms)', async () => {
    const m = await typed(b.createVoe({ ...baseSpec(ports, 8), interval: 1 }), 'interval 1');
    assertEq(await b.listVoes(), [], 'nothing created');
    return m;
  });

  await check('contract: a full table (one MEP per port) is a typed error', async () => {
    const h = [await b.createVoe({ ...baseSpec(ports, 20), port: 'c0', ccmTx: false }), await b.createVoe({ ...baseSpec(ports, 21), port: 'c1', ccmTx: false })];
    const m = await typed(b.createVoe({ ...baseSpec(ports, 22), port: 'c0', level: 2, ccmTx: false }), 'third MEP');
    assert(/full/.test(m), `message should say full: ${m}`);
    for (const x of h) await b.deleteVoe(x);
    return m;
  });

  await check('contract: raises LOC for a silent peer and reports it in the status', async () => {
    const s = { ...baseSpec(ports, 11), ccmTx: false };
    const hd = await b.createVoe(s);
    await sleep(100 * 4 + 100);
    const events = await b.pollEvents();
    for (const peer of s.peers) {
      const ev = events.find((e) => e.handle === hd && e.kind === 'loc' && e.peerMepId === peer);
      assert(ev && ev.active, `LOC event for peer ${peer}: ${JSON.stringify(events)}`);
    }
    const st = await b.readStatus(hd);
    assertEq(st.handle, hd, 'handle');
    assertEq(st.peers.map((p) => p.mepId), s.peers, 'peers');
    assert(st.peers.every((p) => p.loc && !p.seen), `peers: ${JSON.stringify(st.peers)}`);
    await b.deleteVoe(hd);
    return events;
  });

  await b.close();
}
