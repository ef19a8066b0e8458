/** Configurations the conformance rules use, derived from what the library says it can do. */
import { CAP_VLAN_MEP, type RawCaps, type RawCcConf, type RawVoeConf } from '../backends/asic-binding/index.js';
import type { RuleContext } from './runner.js';

/** Struct sizes fixed by the ABI (LP64: x86-64 / aarch64; see docs/vendor-abi.md). */
export const ABI_STRUCT_SIZES: Record<string, number> = {
  cfm_asic_caps_t: 112,
  cfm_voe_conf_t: 88,
  cfm_cc_conf_t: 216,
  cfm_peer_status_t: 36,
  cfm_voe_status_t: 1200,
  cfm_asic_counters_t: 64,
  cfm_event_t: 32,
  cfm_frame_info_t: 24,
  cfm_policer_conf_t: 56,
  cfm_policer_counters_t: 16,
  cfm_voe_entry_t: 312,
  cfm_lm_counters_t: 40,
};

export function voeConf(over: Partial<RawVoeConf> = {}): RawVoeConf {
  return { port: 0, direction: 0, level: 3, vlan: 0, unicast_mac: [2, 0, 0, 0, 0, 1], reserved: [0, 0], key: 'conformance/voe', ...over };
}

/** A MAID: MD name format 1 (none), short MA name format 2 (string) "conf" (802.1Q 21.6.5). */
export function maid(): number[] {
  const m = new Array<number>(48).fill(0);
  m.splice(0, 7, 1, 2, 4, 0x63, 0x6f, 0x6e, 0x66);
  return m;
}

/** The first interval code in a capability mask, preferring 1 s .. 3.33 ms over the slow ones. */
export function firstInterval(mask: number): number {
  for (let c = 4; c >= 1; c--) if (mask & (1 << c)) return c;
  for (let c = 5; c <= 7; c++) if (mask & (1 << c)) return c;
  return 0;
}

export function ccConf(caps: RawCaps, over: Partial<RawCcConf> = {}): RawCcConf {
  const rxIv = firstInterval(caps.rx_intervals);
  const txIv = firstInterval(caps.tx_intervals & caps.rx_intervals) || firstInterval(caps.tx_intervals);
  const interval = txIv || rxIv || 4;
  const peers = [20, 21, 22].slice(0, Math.min(2, caps.peers_per_voe));
  return {
    maid: maid(), mep_id: 10, interval, priority: 6, peer_count: peers.length, peers,
    tx_enable: caps.ccm_tx_mode !== 0 && caps.tx_intervals & (1 << interval) ? 1 : 0,
    rx_enable: caps.rx_intervals & (1 << interval) ? 1 : 0,
    seq_update: 1, rdi: 0, port_status_tlv: 2, if_status_tlv: 1, ...over,
  };
}

/** Whether the port VOE pool exists (else VOEs are service VOEs on a VLAN). */
export function portPool(caps: RawCaps): boolean {
  return caps.port_voes > 0;
}

/** A VOE configuration any library can allocate: a port VOE, or a service VOE on VLAN 100. */
export function anyConf(caps: RawCaps, over: Partial<RawVoeConf> = {}): RawVoeConf {
  return voeConf({ vlan: portPool(caps) ? 0 : 100, ...over });
}

/** Skip the rule when the library cannot allocate any VOE. */
export function needVoe(c: RuleContext): void {
  const { caps } = c;
  if (caps.port_voes === 0 && (caps.service_voes === 0 || !(caps.flags & CAP_VLAN_MEP))) c.skip('the library reports no VOE it can allocate (port_voes 0, no service VOEs)');
}

/** `conf` as read back, with typed arrays turned into plain arrays for comparison. */
export function plainConf(conf: RawVoeConf): RawVoeConf {
  return { ...conf, unicast_mac: Array.from(conf.unicast_mac), reserved: Array.from(conf.reserved) };
}

export function plainCc(cc: RawCcConf): RawCcConf {
  return { ...cc, maid: Array.from(cc.maid), peers: Array.from(cc.peers) };
}
