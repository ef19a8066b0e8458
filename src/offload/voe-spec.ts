/**
 * LocalMep (config model) -> VoeSpec (what a backend programs), and VoeSpec comparison for the
 * reconciler. RDI is run-time state (802.1Q 20.9.6 presentRDI follows the defects), so it is
 * never part of the desired configuration and never a reason to reprogram a VOE.
 */
import type { VoeSpec } from '../backends/types.js';
import type { LocalMep } from '../config/model.js';
import { bytesEqual } from '../pdu/bytes.js';

/**
 * The CCM source MAC of a MEP without a configured address: a stable locally administered
 * address derived from switch and port (the port's MAC is not known without the hardware).
 * FNV-1a over "switch/port", top byte 0x02 (locally administered, unicast).
 */
export function derivedPortMac(switchName: string, port: string): string {
  let h = 0x811c9dc5;
  for (const ch of `${switchName}/${port}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const b = [0x02, 0xcf, (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function mepMac(mep: LocalMep): string {
  return mep.macAddress ?? derivedPortMac(mep.switch, mep.port);
}

/** Port Status TLV value psUp (802.1Q 21.5.4), Interface Status TLV value isUp (21.5.5). */
const PS_UP = 2;
const IS_UP = 1;

export function voeSpecOf(mep: LocalMep): VoeSpec {
  return {
    key: mep.key,
    port: mep.port,
    direction: mep.direction,
    level: mep.level,
    vlan: mep.vlan,
    unicastMac: mepMac(mep),
    mepId: mep.mepId,
    maid: mep.maid,
    interval: mep.interval,
    priority: mep.ccmLtmPriority,
    peers: [...mep.remoteMepIds],
    ccmTx: mep.ccmEnabled,
    ccmRx: true,
    seqUpdate: true,
    rdi: false,
    portStatusTlv: mep.portStatusTlv ? PS_UP : 0,
    interfaceStatusTlv: mep.interfaceStatusTlv ? IS_UP : 0,
  };
}

/** Fields a backend cannot change in place: a different value means a different VOE. */
export function needsRecreate(a: VoeSpec, b: VoeSpec): boolean {
  return a.port !== b.port || a.direction !== b.direction || a.vlan !== b.vlan;
}

/** Peers as a set: same order is the common case (no sort, no allocation). */
function samePeers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (i === a.length) return true;
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  return x.every((v, j) => v === y[j]);
}

/**
 * Equal as configuration (RDI ignored, MAC case-insensitive, peers as a set). Cheapest fields
 * first and no allocation on the equal path: the reconciler calls it for every VOE.
 */
export function specEqual(a: VoeSpec, b: VoeSpec): boolean {
  return (
    a.key === b.key &&
    a.mepId === b.mepId &&
    a.level === b.level &&
    a.vlan === b.vlan &&
    a.interval === b.interval &&
    a.priority === b.priority &&
    a.ccmTx === b.ccmTx &&
    a.ccmRx === b.ccmRx &&
    a.seqUpdate === b.seqUpdate &&
    a.portStatusTlv === b.portStatusTlv &&
    a.interfaceStatusTlv === b.interfaceStatusTlv &&
    a.port === b.port &&
    a.direction === b.direction &&
    (a.unicastMac === b.unicastMac || a.unicastMac.toLowerCase() === b.unicastMac.toLowerCase()) &&
    samePeers(a.peers, b.peers) &&
    bytesEqual(a.maid, b.maid)
  );
}

export function cloneSpec(s: VoeSpec): VoeSpec {
  return { ...s, maid: new Uint8Array(s.maid), peers: [...s.peers] };
}
