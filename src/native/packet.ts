/**
 * Typed wrapper over the addon's AF_PACKET socket: one per Linux interface, CFM frames only
 * (the kernel filters with BPF), VLAN tags restored, our own transmissions never seen.
 */
import { loadAddon, type NativeInterfaceInfo, type NativePacketDeadline, type NativePacketSocket, type NativePacketStats } from './addon.js';
import { callNative } from './errors.js';
import { CfmError } from '../common/errors.js';

export interface RxFrame {
  /** The whole frame as it was on the wire (tags restored), no FCS. A view into a reused area: copy to keep. */
  frame: Uint8Array;
  /** CLOCK_MONOTONIC kernel receive time of the frame, ns (same clock as process.hrtime). */
  monoNs: number;
}

export interface PacketSocketOptions {
  /** Network namespace name (/run/netns/NAME) or path to open the socket in. */
  netns?: string;
  /** Join 01-80-C2-00-00-30..3F (default true; needed on real NICs, harmless on veth). */
  membership?: boolean;
  /** Receive buffer size (bytes); default: the kernel's. */
  rcvbufBytes?: number;
  /** false: transmit only (bound to no protocol, the kernel queues nothing for it). Default true. */
  receive?: boolean;
  /**
   * Receive CCMs (opcode 1) on a socket of their own and every other CFM frame on a second one,
   * with complementary kernel filters (default true; issue 17, continuity under a flood): a flood
   * of LBMs, LTMs or Y.1731 PDUs fills only the second socket's queue (its drops are counted in
   * stats().rxKernelDropsOther), never the CCMs'. A flood of CCMs still shares the CCM socket.
   * Both deliver to the one onFrames handler; `fd` is the CCM socket (CPU protection attaches
   * there and polices both).
   */
  splitCcm?: boolean;
}

/**
 * `readMonoNs`: when user space read the batch. `arrivalNs[i]`: when frame i entered the kernel
 * (its socket timestamp, CLOCK_MONOTONIC ns, never later than the read): the time to judge
 * continuity by, since a frame can wait in the socket queue while the process is stalled.
 * A reused array: valid during the call only.
 */
export type RxBatchHandler = (frames: Uint8Array[], readMonoNs: number, arrivalNs: Float64Array) => void;

export class PacketSocket {
  readonly ifname: string;
  readonly netns: string | undefined;
  private readonly native: NativePacketSocket;
  private handler: RxBatchHandler | undefined;
  private closed = false;

  constructor(ifname: string, options: PacketSocketOptions = {}) {
    this.ifname = ifname;
    this.netns = options.netns;
    const addon = loadAddon();
    const where = options.netns ? `${ifname} in netns ${options.netns}` : ifname;
    this.native = callNative(`packet socket on ${where}`, () => new addon.PacketSocket(ifname, options, (data, lengths, count, readMonoNs, arrivalNs) => {
      const h = this.handler;
      if (!h) return;
      const frames: Uint8Array[] = new Array(count);
      const buf = data.buffer;
      let off = data.byteOffset;
      for (let i = 0; i < count; i++) {
        frames[i] = new Uint8Array(buf, off, lengths[i]);
        off += lengths[i];
      }
      h(frames, readMonoNs, arrivalNs);
    }));
  }

  get fd(): number {
    return this.native.fd;
  }

  get ifindex(): number {
    return this.native.ifindex;
  }

  /** The interface's MAC address (aa:bb:cc:dd:ee:ff). */
  get mac(): string {
    return this.native.mac;
  }

  /** Start receiving: `handler` gets each batch read from the socket. */
  onFrames(handler: RxBatchHandler): void {
    this.handler = handler;
    callNative(`receive on ${this.ifname}`, () => this.native.start());
  }

  /** Send one frame; false if the socket buffer is full. Throws OsError (e.g. ENETDOWN). */
  send(frame: Uint8Array): boolean {
    return callNative(`send on ${this.ifname}`, () => this.native.send(frame));
  }

  sendBatch(frames: Uint8Array[]): number {
    return callNative(`sendmmsg on ${this.ifname}`, () => this.native.sendBatch(frames));
  }

  /**
   * Read what the kernel has queued now, synchronously (the onFrames handler runs before this
   * returns). Returns the number of frames read; 0 when not receiving.
   */
  poll(): number {
    return this.closed ? 0 : this.native.poll();
  }

  /**
   * The longest a received frame may wait before it is read, ns (default 0: at once). Sockets
   * with a hold share one epoll set per thread and, while frames keep arriving more often than
   * about once per hold, are read together once per the shortest hold of them all: one wakeup
   * for many ports' frames (issue 17, CPU per CCM). Each frame keeps its kernel arrival time.
   */
  setReceiveHold(holdNs: number): void {
    callNative(`receive hold on ${this.ifname}`, () => this.native.setRxHold(holdNs));
  }

  stats(): NativePacketStats {
    return this.native.stats();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handler = undefined;
    this.native.close();
  }
}

/** ifindex, MAC, MTU and up/running flags of an interface (optionally in a namespace). */
export function interfaceInfo(name: string, netns?: string): NativeInterfaceInfo {
  const addon = loadAddon();
  return callNative(`interface ${name}${netns ? ` in netns ${netns}` : ''}`, () => addon.interfaceInfo(name, netns));
}

/**
 * A deadline on CLOCK_MONOTONIC with nanosecond precision, run on the event loop (a timerfd
 * watched by libuv, native/addon/packet_deadline.h): the software checkers' rMEPwhile expiry
 * (issue 17: a setTimeout fires up to 1-2 ms late, the LOC report's budget is one interval +
 * 1 ms). Keeps no process alive. `onDue` runs in a callback scope of its own, like a timer's.
 */
export class PacketDeadline {
  private native: NativePacketDeadline | undefined;

  constructor(onDue: () => void) {
    const Ctor = loadAddon().PacketDeadline;
    if (!Ctor) throw new CfmError('UNSUPPORTED', 'this build of the native addon has no PacketDeadline (rebuild it: npm run build:native)');
    this.native = callNative('loss deadline', () => new Ctor(onDue));
  }

  /** Whether the loaded addon has it (an older prebuild may not). */
  static available(): boolean {
    try {
      return typeof loadAddon().PacketDeadline === 'function';
    } catch {
      return false;
    }
  }

  /** Due at `atNs` (CLOCK_MONOTONIC ns, the clock of process.hrtime); a past time is due at once. */
  arm(atNs: number): void {
    this.native?.arm(Math.max(1, atNs));
  }

  disarm(): void {
    this.native?.arm(0);
  }

  close(): void {
    this.native?.close();
    this.native = undefined;
  }
}
