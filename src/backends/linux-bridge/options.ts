/** Options of LinuxBridgeBackend.open (docs/linux-bridge.md). */
import type { Clock } from '../../common/clock.js';
import type { FramePort } from '../../common/frame-port.js';
import type { NetlinkSocket } from '../../netlink/socket.js';
import type { PortSocketFactory } from './frames.js';

export interface LinuxBridgeOptions {
  /** The bridge whose ports get MEPs. */
  bridge: string;
  /** Network namespace (name under /run/netns, or a path such as /proc/<pid>/ns/net). */
  netns?: string;
  /** CCM_TX PERIOD in seconds (default 30): how long the kernel keeps sending without us. */
  ccmTxPeriodS?: number;
  /** JSON file for the instance -> key map (default: in memory only). */
  keyMapPath?: string;
  /**
   * The CPU frame path (software MEPs, MIPs, LBM/LTM answers): 'af-packet' (default) opens an
   * AF_PACKET socket on each bridge port; 'none' has no CPU path (frameIo false: the planner then
   * refuses what needs one); or a FramePort of your own.
   */
  frames?: FramePort | 'af-packet' | 'none';
  /** How often pollEvents() may dump the kernel's CFM status (default 1000 ms; see events.ts). */
  statusPollMs?: number;
  clock?: Clock;
  /** Sockets to use instead of opening them (tests, or sharing): requests and notifications. */
  sockets?: { request: NetlinkSocket; events: NetlinkSocket };
  /** Port sockets for the 'af-packet' frame path (tests); default src/native PacketSocket. */
  portSockets?: PortSocketFactory;
}
