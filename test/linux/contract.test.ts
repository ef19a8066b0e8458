/**
 * THE backend contract suite (test/backends/contract.ts) on the software backend, for real: the
 * backend drives one end of a veth pair in one namespace; the harness injects and observes
 * frames with its own AF_PACKET socket on the other end, in the other namespace; time is real.
 */
import { afterAll, describe } from 'vitest';
import { SoftwareBackend } from '../../src/backends/software/backend.js';
import { PacketSocket } from '../../src/native/packet.js';
import { runBackendContract } from '../backends/contract.js';
import { createVethLink, linuxTestGate, type VethLink } from './netns.js';
import { datapathsUnderTest } from './datapaths.js';

const gate = linuxTestGate('test/linux/contract (backend contract on the software backend)');
let link: VethLink | undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (gate.run) {
  afterAll(async () => {
    await link?.cleanup();
  });
  // both receive datapaths: AF_PACKET and the eBPF fast path (tc) when the addon has it
  for (const datapath of datapathsUnderTest()) runBackendContract(`software, ${datapath} receive (veth between namespaces)`, async () => {
    link ??= await createVethLink('cfc');
    const l = link;
    // a small VOE limit so the suite's table-full case runs too
    const backend = new SoftwareBackend({ ports: [l.ifA], netns: l.nsA, maxVoes: 6, datapath });
    if (backend.datapath(l.ifA) !== datapath) throw new Error(`asked for ${datapath}, got ${JSON.stringify(backend.datapathInfo())}`);
    const far = new PacketSocket(l.ifB, { netns: l.nsB });
    const listeners = new Set<(port: string, frame: Uint8Array) => void>();
    // what arrives at the far end is what the backend put on the wire of its port
    far.onFrames((frames) => {
      for (const f of frames) for (const cb of listeners) cb(l.ifA, Uint8Array.from(f));
    });
    return {
      backend,
      // real time; then let frames already on the veth reach the event loop
      advance: async (ns) => {
        await sleep(ns / 1e6);
        await sleep(2);
      },
      injectFromWire: (port, frame) => {
        if (port !== l.ifA) throw new Error(`the harness only reaches ${l.ifA}`);
        far.send(frame);
      },
      onWireTransmit: (cb) => {
        listeners.add(cb);
        return () => listeners.delete(cb);
      },
      cleanup: async () => {
        far.close();
      },
    };
  });
} else {
  describe.skip(`backend contract: software (${gate.reason})`, () => undefined);
}
