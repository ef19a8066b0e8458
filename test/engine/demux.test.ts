import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from '../../src/pdu/index.js';
import { SimNetwork, SimSwitch } from '../../src/sim/index.js';
import { MAID_A } from './helpers.js';
import { Probe } from './probe.js';

function lbm(dst: string, level: number, id: number): Uint8Array {
  return encodeFrame({ dst, src: '02:aa:00:00:00:09', vlans: [], pdu: { opcode: 3, level, version: 0, flags: 0, transactionId: id, tlvs: [{ type: 3, data: new Uint8Array([9, 8, 7]) }] } });
}

describe('MP demultiplexer and responders', () => {
  function setup() {
    const net = new SimNetwork();
    const sw = new SimSwitch(net, 'sw', ['p1', 'p2']);
    const a = new Probe(net, 'a');
    const b = new Probe(net, 'b');
    net.connect('sw:p1', 'a:p0');
    net.connect('sw:p2', 'b:p0');
    const mep = sw.addMep({ key: 'm', mepId: 1, remoteMepIds: [2], level: 4, interval: 4, vlan: 0, maid: MAID_A, port: 'p1', direction: 'down', ccmTx: false });
    const mip = sw.addMip({ key: 'mip', level: 6, vlan: 0, port: 'p2' });
    return { net, sw, a, b, mep, mip };
  }

  it('a MEP answers LBMs to its MAC and to its class 1 multicast, not to other stations', () => {
    const { net, a, mep } = setup();
    a.send(lbm(mep.cfg.mac, 4, 1));
    a.send(lbm('01:80:c2:00:00:34', 4, 2));
    a.send(lbm('02:bb:bb:bb:bb:bb', 4, 3));
    net.runMs(1);
    const lbrs = a.got.map((f) => decodeFrame(f)).filter((f) => f.pdu.opcode === 2);
    expect(lbrs.map((f) => (f.pdu as { transactionId: number }).transactionId)).toEqual([1, 2]);
    expect(lbrs.every((f) => f.dst === '02:aa:00:00:00:09' && f.src === mep.cfg.mac)).toBe(true);
    // the reply carries the LBM's data TLV back unchanged
    expect(lbrs[0].pdu.tlvs).toEqual([{ type: 3, data: new Uint8Array([9, 8, 7]) }]);
    expect(mep.status().counters.lbrOut).toBe(2);
  });

  it('a lower-level LBM stops at the MEP; a higher-level one passes to the other port', () => {
    const { net, a, b } = setup();
    a.send(lbm('01:80:c2:00:00:32', 2, 5));
    a.send(lbm('01:80:c2:00:00:37', 7, 6));
    net.runMs(1);
    const through = b.got.map((f) => decodeFrame(f).pdu.level);
    expect(through).toEqual([7]);
  });

  it('a MIP answers unicast LBMs to its MAC, passes CCMs and records them in the MIP CCM database', () => {
    const { net, sw, a, b, mip } = setup();
    b.send(lbm(mip.mac, 6, 9));
    b.ccm({ level: 6, mepId: 77, src: '02:cc:00:00:00:01' });
    net.runMs(1);
    expect(b.got.map((f) => decodeFrame(f).pdu.opcode)).toEqual([2]);
    expect(a.got.map((f) => decodeFrame(f).pdu.opcode)).toEqual([1]);
    expect(sw.engine.mipDb.get('0/02:cc:00:00:00:01')).toBe('p2');
    expect(mip.counters).toMatchObject({ lbrOut: 1, ccmsSeen: 1 });
  });

  it('an LTR for no transaction of ours is counted as unexpected', () => {
    const { net, a, mep } = setup();
    a.send(encodeFrame({ dst: mep.cfg.mac, src: '02:aa:00:00:00:09', vlans: [], pdu: { opcode: 4, level: 4, version: 0, flags: 0, transactionId: 99, ttl: 3, relayAction: 1, tlvs: [] } }));
    net.runMs(1);
    expect(mep.status().counters.unexpectedLtrIn).toBe(1);
  });
});
