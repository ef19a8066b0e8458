/**
 * The software backend's receive datapath (issue 17): the eBPF fast path (transmit-only packet
 * sockets plus the program on every port) or AF_PACKET receive sockets; `auto` takes tc where the
 * program loads and attaches and falls back to AF_PACKET with the reason.
 */
import { PacketSocket } from '../../native/packet.js';
import { BpfRx, type BpfCapacity, type BpfRxSink, type Datapath, type DatapathChoice } from './bpf-rx.js';

/** The receive datapath a backend really runs, and why when `auto` fell back. */
export interface DatapathInfo {
  datapath: Datapath;
  requested: DatapathChoice;
  fallbackReason?: string;
}

export interface ReceiveHandlers extends BpfRxSink {
  /** AF_PACKET: a batch read from a port's socket, with each frame's kernel arrival time. */
  frames(port: string, frames: Uint8Array[], arrivalNs: Float64Array): void;
}

export interface ReceiveOptions {
  ports: string[];
  netns: string | undefined;
  membership: boolean | undefined;
  requested: DatapathChoice;
  /** AF_PACKET: CCMs and the other CFM frames on two sockets per port (packet.ts, splitCcm). */
  splitCcm: boolean;
  /** eBPF: entries of the MEP and peer maps (bpf-rx.ts BpfCapacity; default the most). */
  bpfCapacity?: Partial<BpfCapacity>;
}

/** Open one packet socket per port into `sockets` and the receive path; throws what cannot be opened. */
export function openReceive(o: ReceiveOptions, sockets: Map<string, PacketSocket>, h: ReceiveHandlers): { info: DatapathInfo; bpf: BpfRx | undefined } {
  const open = (receive: boolean) => {
    for (const port of o.ports) {
      sockets.set(port, new PacketSocket(port, { netns: o.netns, membership: o.membership ?? true, receive, rcvbufBytes: receive ? 1 << 21 : undefined, splitCcm: o.splitCcm }));
    }
  };
  let fallbackReason: string | undefined;
  if (o.requested !== 'af-packet') {
    open(false);
    try {
      const bpf = BpfRx.open(o.requested === 'xdp' ? 'xdp' : 'tc', o.netns, sockets, h, o.bpfCapacity);
      return { info: { datapath: bpf.mode, requested: o.requested }, bpf };
    } catch (e) {
      if (o.requested !== 'auto') throw e;
      fallbackReason = `eBPF (tc) unavailable: ${(e as Error).message}`;
      for (const s of sockets.values()) s.close();
      sockets.clear();
    }
  }
  open(true);
  for (const [port, s] of sockets) s.onFrames((frames, _readNs, arrivalNs) => h.frames(port, frames, arrivalNs));
  const info: DatapathInfo = { datapath: 'af-packet', requested: o.requested };
  if (fallbackReason) info.fallbackReason = fallbackReason;
  return { info, bpf: undefined };
}
