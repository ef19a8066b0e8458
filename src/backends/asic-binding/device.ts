/**
 * AsicDevice: one open handle on a library implementing the vendor C ABI, with every call
 * wrapped (device-base.ts) plus the mock ASIC's own calls (cfm_mock.h) for simulators and tests.
 * Used by the mock and vendor backends and by the conformance suite (which checks the C-level
 * behaviour through it). Opening stays synchronous: the Backend is constructed synchronously.
 * The mock-only calls are synchronous too: they have no latency, the mock's device lock makes
 * them safe next to a call on the thread pool, and a virtual clock needs them exactly when made.
 */
import { loadAsicLib, MAX_FRAME, type AsicLib, type RawFrameInfo, type RawHandle } from './abi.js';
import { ASIC_STATUS, AsicError } from './status.js';
import { CfmError } from '../../common/errors.js';
import { AsicDeviceBase } from './device-base.js';

export type { VoeEntry } from './voe-entry.js';


export const CAP_UP_MEP = 0x01;
export const CAP_VLAN_MEP = 0x02;
export const CAP_LB_OFFLOAD = 0x04;
export const CAP_LT_OFFLOAD = 0x08;
export const CAP_FRAME_IO = 0x10;
export const CAP_PM_DM = 0x20;
export const CAP_PM_LM = 0x40;
export const TX_MODE = ['none', 'hardware', 'injected'] as const;
export const PORT_PUNT_ALL = 0x01;
export const POLICER_ANY_PORT = 0xffffffff;
export const STICKY = { UNEXP_MEP_ID: 0x01, UNEXP_MEG_ID: 0x02, UNEXP_LEVEL: 0x04, UNEXP_PERIOD: 0x08, UNEXP_PRIO: 0x10 } as const;
export const EVENT_KIND = {
  1: 'loc', 2: 'rdi', 3: 'unexpected-mep-id', 4: 'unexpected-meg-id', 5: 'unexpected-level',
  6: 'unexpected-period', 7: 'unexpected-priority', 8: 'port-status', 9: 'interface-status',
} as const;

export const PUNT_REASON = { 1: 'voe', 2: 'ccm', 3: 'port' } as const;

export type { PuntedFrame } from './device-base.js';

export interface WireFrame {
  port: number;
  frame: Uint8Array;
  /** Device time the frame left the port (ns); null from an older mock library. */
  atNs: number | null;
}

export class AsicDevice extends AsicDeviceBase {
  /**
   * The wire tap's own buffer: rxBuf may be written at the same moment by a cfm_frame_rx running
   * on a pool thread (async calls), and a drain on the event loop must not read a punted frame
   * there (or have its own frame read as one).
   */
  private readonly wireBuf = new Uint8Array(MAX_FRAME);

  private constructor(lib: AsicLib, handle: RawHandle) {
    super(lib, handle);
  }

  /** Open a device: `args` is the library's open string ("ports=8;port_voes=8;..."). */
  static open(libPath: string, args: string): AsicDevice {
    const lib = loadAsicLib(libPath);
    const out: [RawHandle | null] = [null];
    const s = lib.open(args, out) as number;
    if (s !== ASIC_STATUS.OK) throw new AsicError('cfm_asic_open', s, lib.strerror(s), `args '${args}'`);
    if (out[0] === null) throw new CfmError('BACKEND', `cfm_asic_open: ${libPath} returned OK without a handle`);
    return new AsicDevice(lib, out[0]);
  }

  get hasMockExtensions(): boolean {
    return this.lib.mock !== null;
  }

  /* ---- mock-only extensions (cfm_mock.h) ---- */

  private m(): NonNullable<AsicLib['mock']> {
    if (!this.lib.mock) throw new CfmError('UNSUPPORTED', `${this.lib.path} is not the mock ASIC (no cfm_mock_* calls)`);
    return this.lib.mock;
  }

  mockAdvance(ns: number): void {
    this.check('cfm_mock_advance', this.m().advance(this.h(), Math.max(0, Math.round(ns))) as number);
  }

  mockNow(): number {
    const out = [0];
    this.check('cfm_mock_now', this.m().now(this.h(), out) as number);
    return out[0];
  }

  /** Time of the ASIC's next internal event, or null when nothing is scheduled. */
  mockNextDeadline(): number | null {
    const out = [0];
    const s = this.m().nextDeadline(this.h(), out) as number;
    if (s === ASIC_STATUS.ENOENT) return null;
    this.check('cfm_mock_next_deadline', s);
    return out[0];
  }

  mockSetRealtime(on: boolean): void {
    this.check('cfm_mock_set_realtime', this.m().setRealtime(this.h(), on ? 1 : 0) as number);
  }

  mockPortRx(port: number, frame: Uint8Array): void {
    this.check('cfm_mock_port_rx', this.m().portRx(this.h(), port, frame, frame.length) as number, `port ${port}`);
  }

  /** Drain the frames the ASIC put on the wire. */
  mockPortTxDrain(): WireFrame[] {
    const out: WireFrame[] = [];
    const mock = this.m();
    if (mock.portTxPollInfo) {
      const info = {} as RawFrameInfo;
      for (;;) {
        const s = mock.portTxPollInfo(this.h(), info, this.wireBuf, this.wireBuf.length) as number;
        if (s === ASIC_STATUS.EAGAIN) return out;
        this.check('cfm_mock_port_tx_poll_info', s);
        out.push({ port: info.port, frame: this.wireBuf.slice(0, info.len), atNs: Number(info.time_ns) });
      }
    }
    const port = [0];
    const len = [0];
    for (;;) {
      const s = mock.portTxPoll(this.h(), port, this.wireBuf, this.wireBuf.length, len) as number;
      if (s === ASIC_STATUS.EAGAIN) return out;
      this.check('cfm_mock_port_tx_poll', s);
      out.push({ port: port[0], frame: this.wireBuf.slice(0, len[0]), atNs: null });
    }
  }

  mockFailCall(k: number, status: number): void {
    this.check('cfm_mock_fail_call', this.m().failCall(this.h(), k, status) as number);
  }

  /** Every vendor-ABI call from now takes latencyNs + a uniform random 0..jitterNs (slept without the device lock). */
  mockSetLatency(latencyNs: number, jitterNs = 0): void {
    const fn = this.m().setLatency;
    if (!fn) throw new CfmError('UNSUPPORTED', `${this.lib.path} has no cfm_mock_set_latency (an older mock library)`);
    this.check('cfm_mock_set_latency', fn(this.h(), Math.round(latencyNs), Math.round(jitterNs)) as number);
  }

  /** Each vendor-ABI call fails with `status` at `ppm` per million (0 = off); seed != 0 restarts the sequence. */
  mockFailRandom(ppm: number, status: number, seed = 0): void {
    const fn = this.m().failRandom;
    if (!fn) throw new CfmError('UNSUPPORTED', `${this.lib.path} has no cfm_mock_fail_random (an older mock library)`);
    this.check('cfm_mock_fail_random', fn(this.h(), ppm, status, seed) as number);
  }

  /** Calls that overlapped on this handle's device from two threads (the ABI forbids it; mock_core.c counts). */
  mockHandleOverlaps(): number {
    const fn = this.m().handleOverlaps;
    if (!fn) throw new CfmError('UNSUPPORTED', `${this.lib.path} has no cfm_mock_handle_overlaps (an older mock library)`);
    const out: [bigint | number] = [0];
    this.check('cfm_mock_handle_overlaps', fn(this.h(), out) as number);
    return Number(out[0]);
  }

  /** A port's STP and oper state for the status TLVs its VOEs send (if_status 1..7, 802.1Q 21.5.5). */
  mockPortSetState(port: number, forwarding: boolean, ifStatus: number): void {
    const fn = this.m().portSetState;
    if (!fn) throw new CfmError('UNSUPPORTED', `${this.lib.path} has no cfm_mock_port_set_state (an older mock library)`);
    this.check('cfm_mock_port_set_state', fn(this.h(), port, forwarding ? 1 : 0, ifStatus) as number);
  }

  /** The device stops injection `id` by itself with `status` (group "inject"; CFM_EVENT_INJECT_STOPPED queued). */
  mockInjectFail(id: number, status: number): void {
    const fn = this.m().injectFail;
    if (!fn) throw new CfmError('UNSUPPORTED', `${this.lib.path} has no cfm_mock_inject_fail (an older mock library)`);
    this.check('cfm_mock_inject_fail', fn(this.h(), id, status) as number, `injection ${id}`);
  }

  mockDropFrames(n: number): void {
    this.check('cfm_mock_drop_frames', this.m().dropFrames(this.h(), n) as number);
  }

  mockTableFull(on: boolean): void {
    this.check('cfm_mock_table_full', this.m().tableFull(this.h(), on ? 1 : 0) as number);
  }

  mockSave(): void {
    this.check('cfm_mock_save', this.m().save(this.h()) as number);
  }
}
