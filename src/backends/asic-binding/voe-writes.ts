/**
 * The VOE writes of AsicBackend that take more than one ABI call, each all or nothing: create =
 * allocate + (sequence seed) + CC config, update = identity + CC config. A refused step undoes
 * the earlier ones, so the device never keeps half a VOE (the project rule: nothing half-applied).
 */
import type { VoeSpec } from '../types.js';
import type { RawCcConf, RawVoeConf } from './abi.js';
import type { CallGen } from './calls.js';
import type { AsicDeviceBase } from './device-base.js';

/** Allocate + CC config (a failed CC config frees the VOE again); the VOE's handle. */
export function* gCreateVoe(dev: AsicDeviceBase, spec: VoeSpec, conf: RawVoeConf, cc: RawCcConf): CallGen<number> {
  const handle = yield* dev.gVoeAlloc(conf);
  try {
    // seed before the CC config: the very first CCM carries it (no sequence error at the peer)
    if (spec.initialSeq !== undefined && spec.seqUpdate && dev.hasTxSeq) yield* dev.gTxSeqSet(handle, spec.initialSeq);
    yield* dev.gCcSet(handle, cc);
  } catch (e) {
    try {
      yield* dev.gVoeFree(handle);
    } catch {
      /* the original error is the one to report */
    }
    throw e;
  }
  return handle;
}

/** The identity (only when it changed) then the CC config; a refused CC config puts the identity back. */
export function* gUpdateVoe(dev: AsicDeviceBase, handle: number, conf: RawVoeConf, cc: RawCcConf): CallGen<void> {
  const cur = yield* dev.gVoeConfGet(handle);
  const changed =
    cur.port !== conf.port || cur.direction !== conf.direction || cur.level !== conf.level || cur.vlan !== conf.vlan ||
    cur.key !== conf.key || Array.from(cur.unicast_mac).join() !== Array.from(conf.unicast_mac).join();
  if (changed) yield* dev.gVoeConfSet(handle, conf);
  try {
    yield* dev.gCcSet(handle, cc); // the device keeps sequence numbers and peer state it can keep
  } catch (e) {
    if (changed) {
      try {
        yield* dev.gVoeConfSet(handle, { ...cur, unicast_mac: Array.from(cur.unicast_mac), reserved: [0, 0] });
      } catch {
        /* report the original error */
      }
    }
    throw e;
  }
}
