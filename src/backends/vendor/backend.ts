/**
 * VendorBackend: the Backend contract on a vendor shim, a shared library implementing the
 * vendor C ABI (native/asic/cfm_asic.h, guide in docs/vendor-abi.md) on top of a switch SDK.
 * Same binding as the mock; only the library path and its open string differ.
 */
import { AsicBackend } from '../asic-binding/backend.js';
import { AsicDevice } from '../asic-binding/device.js';
import { LinkWatcher } from '../software/link-watch.js';
import type { PortStateChange } from '../types.js';
import type { Clock } from '../../common/clock.js';

export interface VendorBackendOptions {
  /** Path of the shim (.so). */
  libPath: string;
  /** The shim's open string ("key=value;..."), passed to cfm_asic_open as is. */
  args?: string;
  /** Port names, index = ABI port number (default swp1..swpN). */
  portNames?: string[];
  pollIntervalMs?: number;
  /** Where ABI calls run: 'async' (default: libuv's thread pool, a real SDK is slow) or 'sync' (a shim known to be fast). */
  calls?: 'sync' | 'async';
  /** Use the shim's event fd (ABI group event_fd) when it has one (default true). */
  eventFd?: boolean;
  /**
   * Port state from rtnetlink, when the board's ports are network interfaces of this host named
   * as `portNames` (switchdev drivers): oper state and bridge STP state of each (as the software
   * datapath reads them, link-watch.ts). The offload manager writes it into the VOEs' Port /
   * Interface Status TLVs (802.1Q 20.9.2-20.9.3); the vendor C ABI has no port events. `{ netns }`
   * reads another network namespace. Default: none (the VOEs send the configured psUp / isUp).
   */
  portStateFromNetlink?: boolean | { netns?: string };
  /** The clock receive times are given on (AsicBackendOptions.clock; the manager sets its own). */
  clock?: Clock;
}

/**
 * A board usually names its front-panel ports; the device may have more (CPU, stacking or
 * unlisted ports): those keep default names swpN (N = ABI port + 1) not already taken, so the
 * names given are ABI ports 0..k-1. More names than ports stays an error (AsicBackend).
 */
function fillPortNames(dev: AsicDevice, names: string[]): string[] {
  let n: number;
  try {
    n = dev.caps().ports;
  } catch (e) {
    dev.close();
    throw e;
  }
  if (names.length >= n) return names;
  const out = names.slice();
  const taken = new Set(out);
  for (let i = out.length; i < n; i++) {
    let name = `swp${i + 1}`;
    for (let k = 2; taken.has(name); k++) name = `swp${i + 1}_${k}`;
    taken.add(name);
    out.push(name);
  }
  return out;
}

export class VendorBackend extends AsicBackend {
  readonly libPath: string;
  private readonly linkSource: { netns?: string } | undefined;
  private linkWatch: LinkWatcher | undefined;

  constructor(opts: VendorBackendOptions) {
    const dev = AsicDevice.open(opts.libPath, opts.args ?? '');
    const portNames = opts.portNames ? fillPortNames(dev, opts.portNames) : undefined;
    super(dev, {
      kind: 'vendor',
      ...(portNames ? { portNames } : {}),
      ...(opts.pollIntervalMs !== undefined ? { pollIntervalMs: opts.pollIntervalMs } : {}),
      ...(opts.calls ? { calls: opts.calls } : {}),
      ...(opts.eventFd !== undefined ? { eventFd: opts.eventFd } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
    this.libPath = opts.libPath;
    const src = opts.portStateFromNetlink;
    this.linkSource = src === true ? {} : src || undefined;
  }

  /** Port state (portStateFromNetlink): every port once its state is read, then each change. */
  onPortState(listener: (s: PortStateChange) => void): () => void {
    if (!this.linkSource) return () => undefined;
    this.linkWatch ??= new LinkWatcher({
      ports: this.ports(), ...(this.linkSource.netns ? { netns: this.linkSource.netns } : {}),
      onError: (e) => process.emitWarning(`vendor backend: port state not read: ${e.message}`),
    });
    return this.linkWatch.onChange(listener);
  }

  override async close(): Promise<void> {
    this.linkWatch?.close();
    this.linkWatch = undefined;
    await super.close();
  }
}
