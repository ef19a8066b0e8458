/**
 * The in-kernel flood generator of the benchmarks and the flood tests (issue 17: "a 1 M frames/s
 * CFM flood at one port"), in the eBPF module: one frame sent out of `ifname` as fast as the kernel
 * can, for `durationMs`, by an XDP program run with BPF_PROG_RUN in live-frames mode
 * (native/bpf/flood_gen.bpf.c; Linux 5.18+, root or CAP_BPF + CAP_NET_ADMIN). No skb and no system
 * call per frame: a packet socket sender on a veth reaches ~0.5 M frames/s here, this ~1.5 M.
 * On a veth the frames go straight into the peer's receive ring (ndo_xdp_xmit), which needs the
 * peer's NAPI: an XDP program on the peer, or GRO on (`ethtool -K <peer> gro on`) for a tc-only
 * peer; otherwise the sending veth drops them (its `ethtool -S` xdp_xmit_err). It is a measuring
 * tool, not part of the datapath.
 */
import { CfmError } from '../common/errors.js';
import { fromNative } from './errors.js';
import { bpfUnavailableReason, loadBpfModule } from './bpf.js';

export interface FloodXdpOptions {
  /** The port the frames leave by (for a veth: its peer receives them). */
  ifname: string;
  /** Network namespace of `ifname` (name in /run/netns or a path). */
  netns?: string;
  /** The whole Ethernet frame, 14..1514 bytes. */
  frame: Uint8Array;
  durationMs: number;
}

export interface FloodXdpResult {
  /** Frames generated (each redirected to `ifname`; a full receive ring drops some there). */
  sent: number;
  elapsedNs: number;
}

/** Why floodXdp cannot run here (no eBPF module, or one built before the generator), else undefined. */
export function floodXdpUnavailableReason(): string | undefined {
  const why = bpfUnavailableReason();
  if (why) return why;
  return loadBpfModule().floodXdp ? undefined : 'the eBPF module has no flood generator (a build before it: npm run build:native)';
}

/** Send `frame` out of `ifname` for `durationMs` from a thread-pool thread; resolves with the count. */
export async function floodXdp(opts: FloodXdpOptions): Promise<FloodXdpResult> {
  const why = floodXdpUnavailableReason();
  if (why) throw new CfmError('UNSUPPORTED', why);
  const fn = loadBpfModule().floodXdp!;
  try {
    return await fn({ ifname: opts.ifname, netns: opts.netns, frame: opts.frame, durationMs: opts.durationMs });
  } catch (e) {
    throw fromNative(e, `flood generator on ${opts.ifname}`);
  }
}
