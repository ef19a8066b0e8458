/**
 * koffi declarations of the vendor C ABI (native/asic/cfm_asic.h) and of the mock-only
 * extensions (cfm_mock.h). The struct layouts here must match the header field for field; the
 * conformance suite checks sizes against what the library writes.
 *
 * A library is loaded once per path and shared; the ABI version is checked at load time.
 */
import koffi, { type LibraryHandle, type TypeObject } from 'koffi';
import { CfmError } from '../../common/errors.js';

/** ABI version this binding speaks (CFM_ASIC_ABI_VERSION). */
export const BINDING_ABI_VERSION = 1;
export const MAX_PEERS = 32;
export const KEY_LEN = 64;
export const MAID_LEN = 48;
export const MAX_FRAME = 1536;

/* Types are registered under their C names in koffi's process-wide registry; reuse them when
 * this module is evaluated twice in one process (src/ and dist/ copies, test re-imports). */
function existing(name: string): TypeObject | null {
  try {
    return koffi.type(name);
  } catch {
    return null;
  }
}

function struct(name: string, def: Record<string, string | TypeObject>): TypeObject {
  return existing(name) ?? koffi.struct(name, def);
}

if (!existing('cfm_asic_t')) koffi.opaque('cfm_asic_t');

export const CapsT = struct('cfm_asic_caps_t', {
  abi_version: 'uint32_t',
  ports: 'uint32_t',
  port_voes: 'uint32_t',
  service_voes: 'uint32_t',
  tx_intervals: 'uint32_t',
  rx_intervals: 'uint32_t',
  peers_per_voe: 'uint32_t',
  flags: 'uint32_t',
  ccm_tx_mode: 'uint32_t',
  injector_budget_fps: 'uint32_t',
  policers: 'uint32_t',
  punt_queue_len: 'uint32_t',
  description: koffi.array('char', 64),
});

export const VoeConfT = struct('cfm_voe_conf_t', {
  port: 'uint32_t',
  direction: 'uint32_t',
  level: 'uint32_t',
  vlan: 'uint32_t',
  unicast_mac: koffi.array('uint8_t', 6),
  reserved: koffi.array('uint8_t', 2),
  key: koffi.array('char', KEY_LEN),
});

export const CcConfT = struct('cfm_cc_conf_t', {
  maid: koffi.array('uint8_t', MAID_LEN),
  mep_id: 'uint32_t',
  interval: 'uint32_t',
  priority: 'uint32_t',
  peer_count: 'uint32_t',
  peers: koffi.array('uint32_t', MAX_PEERS, 'Array'),
  tx_enable: 'uint32_t',
  rx_enable: 'uint32_t',
  seq_update: 'uint32_t',
  rdi: 'uint32_t',
  port_status_tlv: 'uint32_t',
  if_status_tlv: 'uint32_t',
});

/** cfm_voe_dump's entry (optional call): decoded from bytes in device.ts, offsets from here. */
export const VoeEntryT = struct('cfm_voe_entry_t', {
  voe: 'uint32_t',
  cc_set: 'uint32_t',
  conf: VoeConfT,
  cc: CcConfT,
});

export const PeerStatusT = struct('cfm_peer_status_t', {
  mep_id: 'uint32_t',
  loc: 'uint32_t',
  rdi: 'uint32_t',
  seen: 'uint32_t',
  port_status_tlv: 'uint32_t',
  if_status_tlv: 'uint32_t',
  last_seq: 'uint32_t',
  mac: koffi.array('uint8_t', 6),
  reserved: koffi.array('uint8_t', 2),
});

export const VoeStatusT = struct('cfm_voe_status_t', {
  peer_count: 'uint32_t',
  sticky: 'uint32_t',
  peers: koffi.array(PeerStatusT, MAX_PEERS),
  ccm_tx: 'uint64_t',
  ccm_rx_valid: 'uint64_t',
  ccm_rx_invalid: 'uint64_t',
  ccm_rx_out_of_order: 'uint64_t',
  cpu_copies: 'uint64_t',
});

export const CountersT = struct('cfm_asic_counters_t', {
  rx_frames: 'uint64_t',
  forwarded: 'uint64_t',
  dropped_low_level: 'uint64_t',
  punted: 'uint64_t',
  punt_overflow: 'uint64_t',
  policer_dropped: 'uint64_t',
  event_overflow: 'uint64_t',
  tx_overflow: 'uint64_t',
});

export const EventT = struct('cfm_event_t', {
  voe: 'uint32_t',
  kind: 'uint32_t',
  peer_mep_id: 'uint32_t',
  active: 'uint32_t',
  value: 'uint32_t',
  reserved: 'uint32_t',
  time_ns: 'uint64_t',
});

export const FrameInfoT = struct('cfm_frame_info_t', {
  port: 'uint32_t',
  len: 'uint32_t',
  reason: 'uint32_t',
  voe: 'uint32_t',
  time_ns: 'uint64_t',
});

export const PolicerConfT = struct('cfm_policer_conf_t', {
  enable: 'uint32_t',
  port: 'uint32_t',
  vlan: 'uint32_t',
  level_mask: 'uint32_t',
  opcode_mask: koffi.array('uint32_t', 8, 'Array'),
  rate_pps: 'uint32_t',
  burst: 'uint32_t',
});

/** Optional group "pm" (cfm_voe_lm_counters_get). */
export const LmCountersT = struct('cfm_lm_counters_t', {
  tx_fcl: 'uint64_t',
  rx_fcl: 'uint64_t',
  ccm_seen: 'uint32_t',
  ccm_tx_fcf: 'uint32_t',
  ccm_rx_fcb: 'uint32_t',
  ccm_tx_fcb: 'uint32_t',
  ccm_rx_fcl: 'uint32_t',
  reserved: 'uint32_t',
});

/** Optional group "inject" (periodic frame injection). */
export const InjectCapsT = struct('cfm_inject_caps_t', {
  max_injections: 'uint32_t',
  intervals: 'uint32_t',
  budget_fps: 'uint32_t',
  flags: 'uint32_t',
  max_len: 'uint32_t',
  reserved: koffi.array('uint32_t', 3, 'Array'),
});

export const InjectConfT = struct('cfm_inject_conf_t', {
  port: 'uint32_t',
  towards: 'uint32_t',
  interval: 'uint32_t',
  seq_offset: 'uint32_t',
  first_seq: 'uint32_t',
  reserved: 'uint32_t',
  first_delay_ns: 'uint64_t',
});

export const InjectCountersT = struct('cfm_inject_counters_t', {
  frames: 'uint64_t',
  last_tx_ns: 'uint64_t',
  next_tx_ns: 'uint64_t',
  now_ns: 'uint64_t',
  next_seq: 'uint32_t',
  running: 'uint32_t',
  error: 'int32_t',
  reserved: 'uint32_t',
});

export const PolicerCountersT = struct('cfm_policer_counters_t', {
  passed: 'uint64_t',
  dropped: 'uint64_t',
});

/* Raw shapes of the structs as koffi hands them to JS. */
export interface RawCaps {
  abi_version: number; ports: number; port_voes: number; service_voes: number;
  tx_intervals: number; rx_intervals: number; peers_per_voe: number; flags: number;
  ccm_tx_mode: number; injector_budget_fps: number; policers: number; punt_queue_len: number;
  description: string;
}
export interface RawVoeConf {
  port: number; direction: number; level: number; vlan: number;
  unicast_mac: Uint8Array | number[]; reserved: Uint8Array | number[]; key: string;
}
export interface RawCcConf {
  maid: Uint8Array | number[]; mep_id: number; interval: number; priority: number;
  peer_count: number; peers: number[]; tx_enable: number; rx_enable: number;
  seq_update: number; rdi: number; port_status_tlv: number; if_status_tlv: number;
}
export interface RawPeerStatus {
  mep_id: number; loc: number; rdi: number; seen: number; port_status_tlv: number;
  if_status_tlv: number; last_seq: number; mac: Uint8Array; reserved: Uint8Array;
}
export interface RawVoeStatus {
  peer_count: number; sticky: number; peers: RawPeerStatus[];
  ccm_tx: number; ccm_rx_valid: number; ccm_rx_invalid: number; ccm_rx_out_of_order: number;
  cpu_copies: number;
}
export interface RawCounters {
  rx_frames: number; forwarded: number; dropped_low_level: number; punted: number;
  punt_overflow: number; policer_dropped: number; event_overflow: number; tx_overflow: number;
}
export interface RawEvent {
  voe: number; kind: number; peer_mep_id: number; active: number; value: number;
  reserved: number; time_ns: number;
}
export interface RawFrameInfo { port: number; len: number; reason: number; voe: number; time_ns: number }
export interface RawPolicerConf {
  enable: number; port: number; vlan: number; level_mask: number; opcode_mask: number[];
  rate_pps: number; burst: number;
}
export interface RawPolicerCounters { passed: number; dropped: number }
export interface RawInjectCaps { max_injections: number; intervals: number; budget_fps: number; flags: number; max_len: number; reserved: number[] }
export interface RawInjectConf {
  port: number; towards: number; interval: number; seq_offset: number; first_seq: number; reserved: number; first_delay_ns: number;
}
export interface RawInjectCounters {
  frames: number | bigint; last_tx_ns: number | bigint; next_tx_ns: number | bigint; now_ns: number | bigint;
  next_seq: number; running: number; error: number; reserved: number;
}
export interface RawLmCounters {
  tx_fcl: number | bigint; rx_fcl: number | bigint; ccm_seen: number; ccm_tx_fcf: number;
  ccm_rx_fcb: number; ccm_tx_fcb: number; ccm_rx_fcl: number; reserved: number;
}

/** An opaque device handle (a C pointer, a BigInt under koffi 3). */
export type RawHandle = bigint;

type Fn = (...args: unknown[]) => unknown;

/** The C functions of one loaded library. Mock extensions are null in a vendor shim. */
export interface AsicLib {
  path: string;
  abiVersion: number;
  strerror(status: number): string;
  statusName(status: number): string;
  open: Fn; close: Fn; capsGet: Fn; countersGet: Fn; portFlagsSet: Fn; portFlagsGet: Fn;
  voeAlloc: Fn; voeConfSet: Fn; voeConfGet: Fn; voeFree: Fn; voeList: Fn;
  ccSet: Fn; ccGet: Fn; rdiSet: Fn; statusGet: Fn; statusGetBytes: Fn; eventPoll: Fn; eventPollBytes: Fn;
  frameRx: Fn; frameTx: Fn; policerSet: Fn; policerGet: Fn; policerCountersGet: Fn;
  /** Optional group "generation" (cfm_asic_config_generation + cfm_voe_dump), null when absent. */
  generation: { get: Fn; dump: Fn } | null;
  /** Optional group "tx_seq" (cfm_voe_tx_seq_set/get), null when absent. */
  txSeq: { set: Fn; get: Fn } | null;
  /** Optional group "event_fd" (cfm_event_fd), null when absent. */
  eventFd: Fn | null;
  /** Optional group "clock" (cfm_asic_time_get: the device time that stamps frames), null when absent. */
  timeGet: Fn | null;
  /** Optional group "pm" (cfm_voe_pm_set/get, cfm_voe_lm_counters_get), null when absent. */
  pm: { set: Fn; get: Fn; lmCounters: Fn } | null;
  /** Optional group "inject" (cfm_inject_*: periodic frame injection), null when absent. */
  inject: { caps: Fn; start: Fn; update: Fn; stop: Fn; counters: Fn } | null;
  mock: {
    advance: Fn; now: Fn; nextDeadline: Fn; setRealtime: Fn; portRx: Fn; portTxPoll: Fn;
    failCall: Fn; dropFrames: Fn; tableFull: Fn; save: Fn;
    /** Newer mock libraries only (a baseline library in a benchmark may lack them). */
    setLatency: Fn | null; failRandom: Fn | null; handleOverlaps: Fn | null; portSetState: Fn | null;
    portTxPollInfo: Fn | null; injectFail: Fn | null;
  } | null;
}

const loaded = new Map<string, AsicLib>();

function hasSymbol(lib: LibraryHandle, name: string): boolean {
  try {
    lib.func(`void ${name}(void)`);
    return true;
  } catch {
    return false;
  }
}

/** Load (once) a shared library implementing the ABI and check its version. */
export function loadAsicLib(path: string): AsicLib {
  const cached = loaded.get(path);
  if (cached) return cached;
  let lib: LibraryHandle;
  try {
    lib = koffi.load(path);
  } catch (err) {
    throw new CfmError('BACKEND', `cannot load ASIC library ${path}: ${(err as Error).message}`, { cause: err });
  }
  const f = (decl: string): Fn => {
    try {
      return lib.func(decl) as Fn;
    } catch (err) {
      throw new CfmError('BACKEND', `${path} does not implement the cfm ASIC ABI: ${(err as Error).message}`, { cause: err });
    }
  };
  const abiVersion = (f('uint32_t cfm_asic_abi_version(void)')() as number) >>> 0;
  if (abiVersion !== BINDING_ABI_VERSION) {
    throw new CfmError('BACKEND', `${path} implements cfm ASIC ABI version ${abiVersion}, this cfm-offload speaks version ${BINDING_ABI_VERSION}`);
  }
  const strerror = f('const char *cfm_asic_strerror(int32_t status)');
  const statusName = f('const char *cfm_asic_status_name(int32_t status)');
  const H = 'cfm_asic_t *h';
  const out: AsicLib = {
    path,
    abiVersion,
    strerror: (s) => String(strerror(s)),
    statusName: (s) => String(statusName(s)),
    open: f('int32_t cfm_asic_open(const char *args, _Out_ cfm_asic_t **out)'),
    close: f(`int32_t cfm_asic_close(${H})`),
    capsGet: f(`int32_t cfm_asic_caps_get(${H}, _Out_ cfm_asic_caps_t *caps)`),
    countersGet: f(`int32_t cfm_asic_counters_get(${H}, _Out_ cfm_asic_counters_t *c)`),
    portFlagsSet: f(`int32_t cfm_port_flags_set(${H}, uint32_t port, uint32_t flags)`),
    portFlagsGet: f(`int32_t cfm_port_flags_get(${H}, uint32_t port, _Out_ uint32_t *flags)`),
    voeAlloc: f(`int32_t cfm_voe_alloc(${H}, const cfm_voe_conf_t *conf, _Out_ uint32_t *voe)`),
    voeConfSet: f(`int32_t cfm_voe_conf_set(${H}, uint32_t voe, const cfm_voe_conf_t *conf)`),
    voeConfGet: f(`int32_t cfm_voe_conf_get(${H}, uint32_t voe, _Out_ cfm_voe_conf_t *conf)`),
    voeFree: f(`int32_t cfm_voe_free(${H}, uint32_t voe)`),
    voeList: f(`int32_t cfm_voe_list(${H}, _Out_ uint32_t *ids, uint32_t max, _Out_ uint32_t *count)`),
    ccSet: f(`int32_t cfm_voe_cc_set(${H}, uint32_t voe, const cfm_cc_conf_t *cc)`),
    ccGet: f(`int32_t cfm_voe_cc_get(${H}, uint32_t voe, _Out_ cfm_cc_conf_t *cc)`),
    rdiSet: f(`int32_t cfm_voe_rdi_set(${H}, uint32_t voe, uint32_t rdi)`),
    statusGet: f(`int32_t cfm_voe_status_get(${H}, uint32_t voe, uint32_t clear_sticky, _Out_ cfm_voe_status_t *st)`),
    // the same call into a byte buffer: decoding 32 nested peer structs in koffi costs more than the call
    statusGetBytes: f(`int32_t cfm_voe_status_get(${H}, uint32_t voe, uint32_t clear_sticky, _Out_ uint8_t *st)`),
    eventPoll: f(`int32_t cfm_event_poll(${H}, _Out_ cfm_event_t *evs, uint32_t max, _Out_ uint32_t *count)`),
    eventPollBytes: f(`int32_t cfm_event_poll(${H}, _Out_ uint8_t *evs, uint32_t max, _Out_ uint32_t *count)`),
    frameRx: f(`int32_t cfm_frame_rx(${H}, _Out_ cfm_frame_info_t *info, _Out_ uint8_t *buf, uint32_t buf_len)`),
    frameTx: f(`int32_t cfm_frame_tx(${H}, uint32_t port, const uint8_t *frame, uint32_t len, uint32_t towards)`),
    policerSet: f(`int32_t cfm_policer_set(${H}, uint32_t id, const cfm_policer_conf_t *conf)`),
    policerGet: f(`int32_t cfm_policer_get(${H}, uint32_t id, _Out_ cfm_policer_conf_t *conf)`),
    policerCountersGet: f(`int32_t cfm_policer_counters_get(${H}, uint32_t id, uint32_t clear, _Out_ cfm_policer_counters_t *c)`),
    generation: null,
    txSeq: null,
    eventFd: null,
    timeGet: null,
    pm: null,
    inject: null,
    mock: null,
  };
  // Optional calls (docs/vendor-abi.md "Optional calls"): a group is used only when complete.
  if (hasSymbol(lib, 'cfm_asic_config_generation') && hasSymbol(lib, 'cfm_voe_dump')) {
    out.generation = {
      get: f(`int32_t cfm_asic_config_generation(${H}, _Out_ uint64_t *generation)`),
      dump: f(`int32_t cfm_voe_dump(${H}, _Out_ uint8_t *entries, uint32_t max, _Out_ uint32_t *count, _Out_ uint64_t *generation)`),
    };
  }
  if (hasSymbol(lib, 'cfm_voe_tx_seq_set') && hasSymbol(lib, 'cfm_voe_tx_seq_get')) {
    out.txSeq = {
      set: f(`int32_t cfm_voe_tx_seq_set(${H}, uint32_t voe, uint32_t seq)`),
      get: f(`int32_t cfm_voe_tx_seq_get(${H}, uint32_t voe, _Out_ uint32_t *seq)`),
    };
  }
  if (hasSymbol(lib, 'cfm_event_fd')) out.eventFd = f(`int32_t cfm_event_fd(${H}, _Out_ int32_t *fd)`);
  if (hasSymbol(lib, 'cfm_asic_time_get')) out.timeGet = f(`int32_t cfm_asic_time_get(${H}, _Out_ uint64_t *now_ns)`);
  if (['cfm_voe_pm_set', 'cfm_voe_pm_get', 'cfm_voe_lm_counters_get'].every((n) => hasSymbol(lib, n))) {
    out.pm = {
      set: f(`int32_t cfm_voe_pm_set(${H}, uint32_t voe, uint32_t flags)`),
      get: f(`int32_t cfm_voe_pm_get(${H}, uint32_t voe, _Out_ uint32_t *flags)`),
      lmCounters: f(`int32_t cfm_voe_lm_counters_get(${H}, uint32_t voe, _Out_ cfm_lm_counters_t *c)`),
    };
  }
  if (['cfm_inject_caps_get', 'cfm_inject_start', 'cfm_inject_update', 'cfm_inject_stop', 'cfm_inject_counters_get'].every((n) => hasSymbol(lib, n))) {
    out.inject = {
      caps: f(`int32_t cfm_inject_caps_get(${H}, _Out_ cfm_inject_caps_t *caps)`),
      start: f(`int32_t cfm_inject_start(${H}, const cfm_inject_conf_t *conf, const uint8_t *frame, uint32_t len, _Out_ uint32_t *id)`),
      update: f(`int32_t cfm_inject_update(${H}, uint32_t id, const uint8_t *frame, uint32_t len)`),
      stop: f(`int32_t cfm_inject_stop(${H}, uint32_t id, _Out_ cfm_inject_counters_t *last)`),
      counters: f(`int32_t cfm_inject_counters_get(${H}, uint32_t id, _Out_ cfm_inject_counters_t *c)`),
    };
  }
  if (hasSymbol(lib, 'cfm_mock_advance')) {
    out.mock = {
      advance: f(`int32_t cfm_mock_advance(${H}, uint64_t ns)`),
      now: f(`int32_t cfm_mock_now(${H}, _Out_ uint64_t *now_ns)`),
      nextDeadline: f(`int32_t cfm_mock_next_deadline(${H}, _Out_ uint64_t *at_ns)`),
      setRealtime: f(`int32_t cfm_mock_set_realtime(${H}, uint32_t on)`),
      portRx: f(`int32_t cfm_mock_port_rx(${H}, uint32_t port, const uint8_t *frame, uint32_t len)`),
      portTxPoll: f(`int32_t cfm_mock_port_tx_poll(${H}, _Out_ uint32_t *port, _Out_ uint8_t *buf, uint32_t buf_len, _Out_ uint32_t *len)`),
      failCall: f(`int32_t cfm_mock_fail_call(${H}, uint32_t k, int32_t status)`),
      dropFrames: f(`int32_t cfm_mock_drop_frames(${H}, uint32_t n)`),
      tableFull: f(`int32_t cfm_mock_table_full(${H}, uint32_t on)`),
      save: f(`int32_t cfm_mock_save(${H})`),
      setLatency: hasSymbol(lib, 'cfm_mock_set_latency') ? f(`int32_t cfm_mock_set_latency(${H}, uint64_t latency_ns, uint64_t jitter_ns)`) : null,
      handleOverlaps: hasSymbol(lib, 'cfm_mock_handle_overlaps') ? f(`int32_t cfm_mock_handle_overlaps(${H}, _Out_ uint64_t *count)`) : null,
      failRandom: hasSymbol(lib, 'cfm_mock_fail_random') ? f(`int32_t cfm_mock_fail_random(${H}, uint32_t ppm, int32_t status, uint64_t seed)`) : null,
      portSetState: hasSymbol(lib, 'cfm_mock_port_set_state') ? f(`int32_t cfm_mock_port_set_state(${H}, uint32_t port, uint32_t forwarding, uint32_t if_status)`) : null,
      portTxPollInfo: hasSymbol(lib, 'cfm_mock_port_tx_poll_info') ? f(`int32_t cfm_mock_port_tx_poll_info(${H}, _Out_ cfm_frame_info_t *info, _Out_ uint8_t *buf, uint32_t buf_len)`) : null,
      injectFail: hasSymbol(lib, 'cfm_mock_inject_fail') ? f(`int32_t cfm_mock_inject_fail(${H}, uint32_t id, int32_t status)`) : null,
    };
  }
  loaded.set(path, out);
  return out;
}
