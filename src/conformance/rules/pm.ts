/**
 * Rule of the optional "pm" group (cfm_asic.h cfm_voe_pm_set / cfm_voe_pm_get /
 * cfm_voe_lm_counters_get, docs/vendor-abi.md "PM group"): the calls' contract on any library;
 * where the library also has the mock's wire (cfm_mock.h), the timestamps and counters the VOE
 * writes into DMM / 1DM / DMR / LMM / LMR frames (Y.1731 8.1, 8.2) are checked to the nanosecond
 * and the frame.
 */
import {
  ASIC_STATUS as S, CAP_FRAME_IO, CAP_PM_DM, CAP_PM_LM, PM_DM, PM_LM, lmCounters, pmGet, pmSet, type AsicDevice, type RawVoeConf,
} from '../../backends/asic-binding/index.js';
import { check } from '../check.js';
import { anyConf, needVoe } from '../fixtures.js';
import type { ConformanceRule, RuleContext } from '../runner.js';

/** Y.1731 opcodes and the first TLV offset of each PDU (9.12-9.16). */
const PDU = { lmr: [42, 12], lmm: [43, 12], '1dm': [45, 16], dmr: [46, 32], dmm: [47, 32] } as const;

const PEER_MAC = [2, 0, 0, 0, 0, 0x99];

/** A Y.1731 frame from the VOE of `conf` to a unicast peer (or back), counters / timestamps 0. */
export function pmFrame(conf: RawVoeConf, kind: keyof typeof PDU, fromPeer = false): Uint8Array {
  const [opcode, tlvOffset] = PDU[kind];
  const tag = conf.vlan ? [0x81, 0x00, (6 << 5) | (conf.vlan >> 8), conf.vlan & 0xff] : [];
  const pdu = new Array<number>(4 + tlvOffset + 1).fill(0);
  pdu.splice(0, 4, conf.level << 5, opcode, 0, tlvOffset);
  const own = Array.from(conf.unicast_mac);
  const [da, sa] = fromPeer ? [own, PEER_MAC] : [PEER_MAC, own];
  return Uint8Array.from([...da, ...sa, ...tag, 0x89, 0x02, ...pdu]);
}

const u32 = (b: Uint8Array, off: number): number => ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
/** IEEE 1588 timestamp (u32 s, u32 ns) at `off` in ns. */
const ts = (b: Uint8Array, off: number): number => u32(b, off) * 1e9 + u32(b, off + 4);

/**
 * The functions caps.flags announces (CFM_CAP_PM_DM / _LM) are taken by a plain VOE, the others
 * refused with CFM_ENOTSUP; the VOE is left with both off. Returns the announced ones.
 */
function supported(c: RuleContext, id: number): number {
  let ok = 0;
  for (const [f, cap, name] of [[PM_DM, CAP_PM_DM, 'CFM_PM_DM'], [PM_LM, CAP_PM_LM, 'CFM_PM_LM']] as const) {
    const s = c.dev.lib.pm!.set(c.dev.rawHandle, id, f) as number;
    const has = (c.caps.flags & cap) !== 0;
    check.status(s, has ? S.OK : S.ENOTSUP, `cfm_voe_pm_set(${id}, ${name}) with caps.flags ${has ? 'announcing' : 'lacking'} it`);
    if (has) ok |= f;
  }
  pmSet(c.dev, id, 0);
  return ok;
}

/** On the mock's wire: the VOE stamps what passes it, exactly at device time. */
function wireChecks(dev: AsicDevice, conf: RawVoeConf, id: number, flags: number): void {
  const towards = conf.direction === 1 ? 'relay' : 'wire';
  if (towards === 'relay') return; // an up VOE sends into the relay: its frames leave by other ports
  dev.mockPortTxDrain();
  const pduAt = conf.vlan ? 18 : 14;
  if (flags & PM_DM) {
    dev.mockAdvance(1_234_567);
    const t0 = dev.mockNow();
    dev.frameTx(conf.port, pmFrame(conf, 'dmm'), towards);
    const [out] = dev.mockPortTxDrain();
    check.ok(out !== undefined, 'a DMM sent through a VOE with CFM_PM_DM reaches the wire');
    check.equal(ts(out.frame, pduAt + 4), t0, 'TxTimeStampf of a DMM = device time of transmission (Y.1731 8.2)');
    dev.mockAdvance(1000);
    while (dev.frameRx()); // nothing else pending
    dev.mockPortRx(conf.port, pmFrame(conf, 'dmr', true));
    const got = dev.frameRx();
    check.ok(got !== null, 'a DMR to the VOE is punted');
    check.equal(ts(got!.frame, pduAt + 28), dev.mockNow(), 'RxTimeStampb of a received DMR = device time of reception');
  }
  if (flags & PM_LM) {
    const before = lmCounters(dev, id).txFcl;
    dev.frameTx(conf.port, pmFrame(conf, 'lmm'), towards);
    const [out] = dev.mockPortTxDrain();
    check.equal(BigInt(u32(out.frame, pduAt + 4)), before + 1n, 'TxFCf of an LMM = TxFCl counting the LMM itself (Y.1731 8.1.2)');
    check.equal(lmCounters(dev, id).txFcl, before + 1n, 'TxFCl after one LMM');
  }
}

export const pmRules: ConformanceRule[] = [
  {
    id: 'optional.pm',
    title: 'optional "pm" calls: DM / LM switched per VOE, read back, counters from 0; the VOE stamps what passes it',
    abiRule: 'cfm_voe_pm_get() of a new VOE is 0; cfm_voe_pm_set() takes CFM_PM_DM / CFM_PM_LM as caps.flags announces them (CFM_CAP_PM_DM / '
      + '_LM; CFM_ENOTSUP for one it does not), refuses other bits with CFM_EINVAL and unknown VOEs with CFM_ENOENT, and reads back; switching LM on '
      + 'starts TxFCl / RxFCl at 0; each successful set is one configuration generation step; a freed and reallocated VOE has no function; '
      + 'with the mock wire, TxTimeStampf / RxTimeStampb / TxFCf are exact',
    run(c) {
      const { dev, caps } = c;
      const pm = dev.lib.pm;
      if (!pm) return c.skip('the library has no cfm_voe_pm_set / cfm_voe_pm_get / cfm_voe_lm_counters_get (optional calls): PM runs on the CPU');
      needVoe(c);
      const conf = anyConf(caps, { key: 'conformance/pm' });
      const id = dev.voeAlloc(conf);
      c.defer(() => void dev.raw('voeFree', id));
      check.equal(pmGet(dev, id), 0, `cfm_voe_pm_get(${id}) of a new VOE`);
      const zero = lmCounters(dev, id);
      check.equal([zero.txFcl, zero.rxFcl, zero.ccm], [0n, 0n, null], `cfm_voe_lm_counters_get(${id}) of a new VOE`);
      check.status(pm.set(dev.rawHandle, id, 0x80) as number, S.EINVAL, `cfm_voe_pm_set(${id}, 0x80)`);
      check.status(pm.get(dev.rawHandle, id, null) as number, S.EINVAL, `cfm_voe_pm_get(${id}, NULL)`);
      check.status(pm.lmCounters(dev.rawHandle, id, null) as number, S.EINVAL, `cfm_voe_lm_counters_get(${id}, NULL)`);
      const missing = Math.max(...dev.voeList()) + 1000;
      check.status(pm.set(dev.rawHandle, missing, PM_DM) as number, S.ENOENT, `cfm_voe_pm_set(${missing}) of no VOE`);
      const flags = supported(c, id);
      if (flags === 0) return c.skip('caps.flags announces neither CFM_CAP_PM_DM nor CFM_CAP_PM_LM: checked only that cfm_voe_pm_set refuses both');
      const g0 = dev.lib.generation ? dev.configGeneration() : null;
      pmSet(dev, id, flags);
      if (g0 !== null) check.equal(dev.configGeneration(), g0 + 1n, 'generation after cfm_voe_pm_set');
      check.equal(pmGet(dev, id), flags, `cfm_voe_pm_get(${id}) after cfm_voe_pm_set(${flags})`);
      if ((caps.flags & CAP_FRAME_IO) && dev.hasMockExtensions) wireChecks(dev, conf, id, flags);
      check.status(dev.raw('voeFree', id), S.OK, `cfm_voe_free(${id})`);
      const again = dev.voeAlloc(conf);
      check.equal(pmGet(dev, again), 0, `cfm_voe_pm_get(${again}) of a reallocated VOE`);
      check.status(dev.raw('voeFree', again), S.OK, `cfm_voe_free(${again})`);
    },
  },
];
