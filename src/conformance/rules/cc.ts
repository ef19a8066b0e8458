/** Rules of the continuity-check configuration of a VOE (802.1Q 20.10 / 20.16 in hardware). */
import { ASIC_STATUS as S, MAX_PEERS, type RawCcConf } from '../../backends/asic-binding/index.js';
import { check } from '../check.js';
import { anyConf, ccConf, needVoe } from '../fixtures.js';
import type { ConformanceRule } from '../runner.js';

export const ccRules: ConformanceRule[] = [
  {
    id: 'cc.read-back',
    title: 'stores the CC configuration and reads it back',
    abiRule: 'cfm_voe_cc_get() is CFM_ENOENT before the first cfm_voe_cc_set() and then returns it as given (unused peers 0); '
      + 'cfm_voe_rdi_set() changes rdi (values 0/1, else CFM_EINVAL); cfm_voe_status_get() lists the configured peers; clear_sticky > 1 is CFM_EINVAL',
    run(c) {
      needVoe(c);
      const { dev, caps } = c;
      const id = dev.voeAlloc(anyConf(caps));
      check.status(dev.raw('ccGet', id, {}), S.ENOENT, `cfm_voe_cc_get(${id}) before any cfm_voe_cc_set`);
      const cc = ccConf(caps);
      dev.ccSet(id, cc);
      const back = dev.ccGet(id);
      check.equal({ ...back, maid: Array.from(back.maid), peers: back.peers.slice(0, back.peer_count) }, cc, `cfm_voe_cc_get(${id})`);
      check.ok(back.peers.slice(back.peer_count).every((p) => p === 0), `cfm_voe_cc_get(${id}): peers after peer_count must read back as 0`);
      dev.rdiSet(id, true);
      check.equal(dev.ccGet(id).rdi, 1, `cc.rdi after cfm_voe_rdi_set(${id}, 1)`);
      check.status(dev.raw('rdiSet', id, 2), S.EINVAL, `cfm_voe_rdi_set(${id}, 2)`);
      const st = dev.status(id, false);
      check.equal(st.peer_count, cc.peer_count, `cfm_voe_status_get(${id}).peer_count`);
      check.equal(st.peers.slice(0, st.peer_count).map((p) => p.mep_id), cc.peers, `cfm_voe_status_get(${id}) peer MEP ids`);
      for (const [n, v] of Object.entries({ ccm_tx: st.ccm_tx, ccm_rx_valid: st.ccm_rx_valid, ccm_rx_invalid: st.ccm_rx_invalid, ccm_rx_out_of_order: st.ccm_rx_out_of_order, cpu_copies: st.cpu_copies })) {
        check.ok(v >= 0, `cfm_voe_status_get(${id}).${n} = ${v}`);
      }
      check.status(dev.raw('statusGet', id, 2, {}), S.EINVAL, `cfm_voe_status_get(${id}, clear_sticky 2)`);
    },
  },
  {
    id: 'cc.validate',
    title: 'validates CC configurations (CFM_EINVAL for bad values, CFM_ENOTSUP for what the hardware lacks) and writes nothing then',
    abiRule: 'cfm_voe_cc_set() returns CFM_EINVAL for MEPID 0 or > 8191, interval 0 or > 7, priority > 7, peer_count > CFM_MAX_PEERS, a peer 0 / > 8191 / twice, '
      + 'a flag > 1, port_status_tlv > 2, if_status_tlv > 7; CFM_ENOTSUP for more peers than caps.peers_per_voe or an interval missing from '
      + 'caps.rx_intervals / tx_intervals; a refused call changes nothing',
    run(c) {
      needVoe(c);
      const { dev, caps } = c;
      const id = dev.voeAlloc(anyConf(caps));
      const cc = (over: Partial<RawCcConf>, what: string, want: number): void => {
        const conf = { ...ccConf(caps), ...over };
        const peers = conf.peers.slice(0, MAX_PEERS);
        while (peers.length < MAX_PEERS) peers.push(0);
        check.status(dev.raw('ccSet', id, { ...conf, peers }), want, `cfm_voe_cc_set(${what})`);
      };
      cc({ mep_id: 0 }, 'mep_id 0', S.EINVAL);
      cc({ mep_id: 8192 }, 'mep_id 8192', S.EINVAL);
      cc({ interval: 0 }, 'interval 0', S.EINVAL);
      cc({ interval: 8 }, 'interval 8', S.EINVAL);
      cc({ priority: 8 }, 'priority 8', S.EINVAL);
      cc({ peer_count: MAX_PEERS + 1 }, `peer_count ${MAX_PEERS + 1}`, S.EINVAL);
      cc({ peer_count: 1, peers: [0] }, 'peer MEPID 0', S.EINVAL);
      cc({ peer_count: 1, peers: [8192] }, 'peer MEPID 8192', S.EINVAL);
      for (const f of ['tx_enable', 'rx_enable', 'seq_update', 'rdi'] as const) cc({ [f]: 2 }, `${f} 2`, S.EINVAL);
      cc({ port_status_tlv: 3 }, 'port_status_tlv 3', S.EINVAL);
      cc({ if_status_tlv: 8 }, 'if_status_tlv 8', S.EINVAL);
      if (caps.peers_per_voe >= 2) cc({ peer_count: 2, peers: [5, 5] }, 'peer MEPID 5 twice', S.EINVAL);
      if (caps.peers_per_voe < MAX_PEERS) {
        const n = caps.peers_per_voe + 1;
        cc({ peer_count: n, peers: Array.from({ length: n }, (_, i) => 100 + i) }, `${n} peers with caps.peers_per_voe ${caps.peers_per_voe}`, S.ENOTSUP);
      }
      for (let iv = 1; iv <= 7; iv++) {
        if (!(caps.rx_intervals & (1 << iv))) cc({ interval: iv, rx_enable: 1, tx_enable: 0 }, `rx interval ${iv} not in caps.rx_intervals`, S.ENOTSUP);
        if (!(caps.tx_intervals & (1 << iv))) cc({ interval: iv, rx_enable: 0, tx_enable: 1 }, `tx interval ${iv} not in caps.tx_intervals`, S.ENOTSUP);
      }
      check.status(dev.raw('ccGet', id, {}), S.ENOENT, `cfm_voe_cc_get(${id}) after only refused cfm_voe_cc_set calls (none may write)`);
    },
  },
];
