/**
 * The VoeState answers of AsicBackend.listVoes / voeChanges, one frozen object per read-back
 * entry (entries are immutable and replaced on change: AsicDevice.voeSnapshot), so callers can
 * compare by identity while a VOE does not change.
 */
import type { VoeState } from '../types.js';
import type { RawCcConf } from './abi.js';
import { specOf, type PortMap } from './convert.js';
import type { VoeEntry } from './device.js';

/** The CC fields of a VOE allocated but never configured (they read as "off"). */
const UNCONFIGURED_CC: RawCcConf = {
  maid: new Array(48).fill(0), mep_id: 0, interval: 4, priority: 0, peer_count: 0, peers: [], tx_enable: 0, rx_enable: 0,
  seq_update: 0, rdi: 0, port_status_tlv: 0, if_status_tlv: 0,
};

export class VoeStates {
  private readonly stateOf = new WeakMap<VoeEntry, VoeState>();

  constructor(private readonly ports: PortMap) {}

  of(e: VoeEntry): VoeState {
    let st = this.stateOf.get(e);
    if (!st) {
      // allocated but never configured (a crash between alloc and CC config): report it so
      // the reconciler can delete it; its CC fields read as "off"
      st = Object.freeze({ handle: e.handle, spec: Object.freeze(specOf(e.conf, e.cc ?? UNCONFIGURED_CC, this.ports)) });
      this.stateOf.set(e, st);
    }
    return st;
  }
}
