/**
 * Conversions between the Backend contract (src/backends/types.ts) and the C ABI structs:
 * port names <-> port numbers, MAC strings <-> bytes, VoeSpec <-> (voe conf, cc conf),
 * raw status/events -> VoeStatus/HwEvent. Input the C struct cannot carry faithfully (a key
 * longer than 63 bytes, a MAID that is not 48 bytes, an unknown port) is refused here with
 * the same typed error the C side uses (AsicError EINVAL), never silently truncated.
 */
import type { IntervalCode } from '../../common/interval.js';
import type { HwEvent, HwEventKind, PolicerSpec, RemotePeerStatus, VoeSpec, VoeStatus } from '../types.js';
import { KEY_LEN, MAID_LEN, type RawCcConf, type RawEvent, type RawPeerStatus, type RawPolicerConf, type RawVoeConf, type RawVoeStatus } from './abi.js';
import { EVENT_KIND, POLICER_ANY_PORT, STICKY } from './device.js';
import { ASIC_STATUS, AsicError } from './status.js';

const enc = new TextEncoder();

function invalid(what: string, detail: string): AsicError {
  return new AsicError(what, ASIC_STATUS.EINVAL, detail);
}

export function macBytes(mac: string, what = 'unicastMac'): number[] {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw invalid(what, `'${mac}' is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  }
  return parts.map((p) => parseInt(p, 16));
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function macString(b: ArrayLike<number>): string {
  let out = HEX[b[0] & 0xff];
  for (let i = 1; i < b.length; i++) out += ':' + HEX[b[i] & 0xff];
  return out;
}

export class PortMap {
  readonly names: string[];
  private readonly index = new Map<string, number>();

  constructor(names: string[]) {
    this.names = names;
    names.forEach((n, i) => this.index.set(n, i));
  }

  /** Default names swp1..swpN (front-panel numbering) for a device with n ports. */
  static numbered(n: number, prefix = 'swp'): PortMap {
    return new PortMap(Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`));
  }

  toIndex(name: string, what = 'port'): number {
    const i = this.index.get(name);
    if (i === undefined) throw invalid(what, `unknown port '${name}' (ports: ${this.names.join(', ')})`);
    return i;
  }

  toName(i: number): string {
    return this.names[i] ?? `port${i}`;
  }
}

export function voeConfOf(spec: VoeSpec, ports: PortMap): RawVoeConf {
  const keyBytes = enc.encode(spec.key).length;
  if (keyBytes === 0 || keyBytes > KEY_LEN - 1) {
    throw invalid('VoeSpec.key', `key '${spec.key}' must be 1..${KEY_LEN - 1} bytes (is ${keyBytes})`);
  }
  if (spec.key.includes('\0')) throw invalid('VoeSpec.key', 'key must not contain NUL');
  return {
    port: ports.toIndex(spec.port, 'VoeSpec.port'),
    direction: spec.direction === 'up' ? 1 : 0,
    level: spec.level,
    vlan: spec.vlan,
    unicast_mac: macBytes(spec.unicastMac, 'VoeSpec.unicastMac'),
    reserved: [0, 0],
    key: spec.key,
  };
}

export function ccConfOf(spec: VoeSpec): RawCcConf {
  if (!(spec.maid instanceof Uint8Array) || spec.maid.length !== MAID_LEN) {
    throw invalid('VoeSpec.maid', `MAID must be ${MAID_LEN} bytes (is ${spec.maid?.length ?? 'missing'})`);
  }
  const b = (x: boolean): number => (x ? 1 : 0);
  return {
    maid: Array.from(spec.maid),
    mep_id: spec.mepId,
    interval: spec.interval,
    priority: spec.priority,
    peer_count: spec.peers.length,
    peers: spec.peers.slice(),
    tx_enable: b(spec.ccmTx),
    rx_enable: b(spec.ccmRx),
    seq_update: b(spec.seqUpdate),
    rdi: b(spec.rdi),
    port_status_tlv: spec.portStatusTlv,
    if_status_tlv: spec.interfaceStatusTlv,
  };
}

export function specOf(conf: RawVoeConf, cc: RawCcConf, ports: PortMap): VoeSpec {
  return {
    key: conf.key,
    port: ports.toName(conf.port),
    direction: conf.direction === 1 ? 'up' : 'down',
    level: conf.level,
    vlan: conf.vlan,
    unicastMac: macString(conf.unicast_mac),
    mepId: cc.mep_id,
    maid: new Uint8Array(cc.maid), // (the array-like constructor: no iterator per byte)
    interval: cc.interval as IntervalCode,
    priority: cc.priority,
    peers: cc.peers.slice(0, cc.peer_count),
    ccmTx: cc.tx_enable === 1,
    ccmRx: cc.rx_enable === 1,
    seqUpdate: cc.seq_update === 1,
    rdi: cc.rdi === 1,
    portStatusTlv: cc.port_status_tlv,
    interfaceStatusTlv: cc.if_status_tlv,
  };
}

function peerOf(p: RawPeerStatus): RemotePeerStatus {
  return {
    mepId: p.mep_id,
    loc: p.loc === 1,
    rdi: p.rdi === 1,
    seen: p.seen === 1,
    portStatusTlv: p.port_status_tlv,
    interfaceStatusTlv: p.if_status_tlv,
    mac: p.seen === 1 ? macString(p.mac) : null,
    lastSeq: p.last_seq,
  };
}

export function statusOf(handle: number, st: RawVoeStatus): VoeStatus {
  return {
    handle,
    peers: st.peers.slice(0, st.peer_count).map(peerOf),
    unexpectedMepId: (st.sticky & STICKY.UNEXP_MEP_ID) !== 0,
    unexpectedMegId: (st.sticky & STICKY.UNEXP_MEG_ID) !== 0,
    unexpectedLevel: (st.sticky & STICKY.UNEXP_LEVEL) !== 0,
    unexpectedPeriod: (st.sticky & STICKY.UNEXP_PERIOD) !== 0,
    unexpectedPriority: (st.sticky & STICKY.UNEXP_PRIO) !== 0,
    counters: {
      ccmTx: st.ccm_tx,
      ccmRxValid: st.ccm_rx_valid,
      ccmRxInvalid: st.ccm_rx_invalid,
      ccmRxOutOfOrder: st.ccm_rx_out_of_order,
      cpuCopies: st.cpu_copies,
    },
  };
}

export function eventOf(e: RawEvent): HwEvent | null {
  const kind = (EVENT_KIND as Record<number, HwEventKind | undefined>)[e.kind];
  if (!kind) return null;
  const ev: HwEvent = { handle: e.voe, kind, active: e.active === 1, atNs: e.time_ns };
  if (e.peer_mep_id !== 0) ev.peerMepId = e.peer_mep_id;
  if (kind === 'port-status' || kind === 'interface-status') ev.value = e.value;
  return ev;
}

/** A PolicerSpec as the ABI struct (levels, opcodes and rate checked: EINVAL naming the field). */
export function policerConfOf(spec: PolicerSpec, ports: PortMap): RawPolicerConf {
  const port = spec.port === '*' || spec.port === '' ? POLICER_ANY_PORT : ports.toIndex(spec.port, 'PolicerSpec.port');
  let levelMask = 0;
  for (const l of spec.levels) {
    if (!Number.isInteger(l) || l < 0 || l > 7) throw new AsicError('PolicerSpec.levels', ASIC_STATUS.EINVAL, `level ${l} is not 0..7`);
    levelMask |= 1 << l;
  }
  const opcodeMask = new Array<number>(8).fill(0);
  for (const op of spec.opcodes) {
    if (!Number.isInteger(op) || op < 0 || op > 255) throw new AsicError('PolicerSpec.opcodes', ASIC_STATUS.EINVAL, `opcode ${op} is not 0..255`);
    opcodeMask[op >> 5] = (opcodeMask[op >> 5] | (1 << (op & 31))) >>> 0;
  }
  if (!Number.isInteger(spec.ratePps) || spec.ratePps < 0) {
    throw new AsicError('PolicerSpec.ratePps', ASIC_STATUS.EINVAL, `rate ${spec.ratePps} is not a non-negative integer`);
  }
  return { enable: 1, port, vlan: spec.vlan, level_mask: levelMask, opcode_mask: opcodeMask, rate_pps: spec.ratePps, burst: 0 };
}

export function disabledPolicer(): RawPolicerConf {
  return { enable: 0, port: POLICER_ANY_PORT, vlan: 0, level_mask: 0, opcode_mask: new Array<number>(8).fill(0), rate_pps: 0, burst: 0 };
}
