/**
 * Rules of the optional call groups (docs/vendor-abi.md "Optional calls"): a library without a
 * group skips its rule with the reason printed; one with the group must meet it whole.
 */
import koffi from 'koffi';
import { ASIC_STATUS as S } from '../../backends/asic-binding/index.js';
import { check } from '../check.js';
import { anyConf, ccConf, needVoe, plainCc, plainConf } from '../fixtures.js';
import type { ConformanceRule } from '../runner.js';

export const optionalRules: ConformanceRule[] = [
  {
    id: 'optional.generation',
    title: 'optional "generation" calls: each successful config call moves it by one; the dump equals the per-VOE reads',
    abiRule: 'cfm_asic_config_generation() grows by exactly 1 per successful configuration call (alloc, conf_set, cc_set, rdi_set, port_flags_set, '
      + 'free) and not for refused calls or reads; cfm_voe_dump() returns every VOE ascending as the per-VOE calls read it, the full count even '
      + 'with a short buffer, and the generation',
    run(c) {
      const { dev, caps } = c;
      const gen = dev.lib.generation;
      if (!gen) return c.skip('the library has no cfm_asic_config_generation / cfm_voe_dump (optional calls)');
      needVoe(c);
      const g0 = dev.configGeneration()!;
      const conf = anyConf(caps, { key: 'conformance/generation' });
      const id = dev.voeAlloc(conf);
      check.equal(dev.configGeneration(), g0 + 1n, 'generation after cfm_voe_alloc');
      check.status(dev.raw('voeConfSet', id, { ...conf, level: 8 }), S.EINVAL, `cfm_voe_conf_set(${id}, level 8)`);
      check.equal(dev.configGeneration(), g0 + 1n, 'generation after a refused cfm_voe_conf_set (must not move)');
      dev.ccSet(id, ccConf(caps));
      dev.rdiSet(id, true);
      dev.setPortFlags(0, dev.portFlags(0));
      check.equal(dev.configGeneration(), g0 + 4n, 'generation after cfm_voe_cc_set, cfm_voe_rdi_set, cfm_port_flags_set');
      dev.voeConfGet(id);
      dev.ccGet(id);
      dev.voeList();
      dev.status(id, true);
      dev.counters();
      dev.pollEvents();
      check.equal(dev.configGeneration(), g0 + 4n, 'generation after reads only (must not move)');
      const max = dev.voeList().length;
      const buf = new Uint8Array(max * koffi.sizeof('cfm_voe_entry_t'));
      const count = [0];
      const genOut: [bigint | number] = [0];
      check.status(gen.dump(dev.rawHandle, buf, max, count, genOut) as number, S.OK, `cfm_voe_dump(max ${max})`);
      check.equal(count[0], max, 'cfm_voe_dump count');
      check.equal(BigInt(genOut[0]), g0 + 4n, 'cfm_voe_dump generation');
      dev.invalidate();
      const snap = dev.voeSnapshot();
      check.equal(snap.map((e) => e.handle), dev.voeList(), 'cfm_voe_dump handles (ascending, as cfm_voe_list)');
      const e = snap.find((x) => x.handle === id);
      check.ok(e !== undefined, `cfm_voe_dump lacks VOE ${id}`);
      check.equal(plainConf(e!.conf), plainConf(dev.voeConfGet(id)), `cfm_voe_dump entry ${id} conf vs cfm_voe_conf_get`);
      check.equal(e!.cc && plainCc(e!.cc), plainCc(dev.ccGet(id)), `cfm_voe_dump entry ${id} cc vs cfm_voe_cc_get`);
      check.equal(e!.cc?.rdi, 1, `cfm_voe_dump entry ${id} rdi`);
      check.status(gen.dump(dev.rawHandle, new Uint8Array(0), 0, count, genOut) as number, S.OK, 'cfm_voe_dump(max 0)');
      check.equal(count[0], max, 'cfm_voe_dump(max 0) count (the full count)');
      check.status(dev.raw('voeFree', id), S.OK, `cfm_voe_free(${id})`);
      check.equal(dev.configGeneration(), g0 + 5n, 'generation after cfm_voe_free');
    },
  },
  {
    id: 'optional.tx-seq',
    title: 'optional "tx_seq" calls: a new VOE starts at 1, the seed survives the CC config and reads back',
    abiRule: 'cfm_voe_tx_seq_get() of a new VOE is 1; a value set before cfm_voe_cc_set() (any uint32) survives it and later CC changes; '
      + 'unknown ids are CFM_ENOENT',
    run(c) {
      const { dev, caps } = c;
      const txSeq = dev.lib.txSeq;
      if (!txSeq) return c.skip('the library has no cfm_voe_tx_seq_set / cfm_voe_tx_seq_get (optional calls)');
      needVoe(c);
      const id = dev.voeAlloc(anyConf(caps, { key: 'conformance/seq' }));
      check.equal(dev.txSeqGet(id), 1, `cfm_voe_tx_seq_get(${id}) of a new VOE`);
      dev.txSeqSet(id, 0xfffffff0);
      dev.ccSet(id, ccConf(caps, { tx_enable: 0 })); // no CCM may go out meanwhile
      check.equal(dev.txSeqGet(id), 0xfffffff0, `cfm_voe_tx_seq_get(${id}) after cfm_voe_cc_set`);
      dev.ccSet(id, ccConf(caps, { tx_enable: 0, priority: 3 }));
      check.equal(dev.txSeqGet(id), 0xfffffff0, `cfm_voe_tx_seq_get(${id}) after a second cfm_voe_cc_set`);
      const unknown = 0x7fffffff;
      check.status(txSeq.set(dev.rawHandle, unknown, 1) as number, S.ENOENT, `cfm_voe_tx_seq_set(${unknown})`);
      check.status(txSeq.get(dev.rawHandle, unknown, [0]) as number, S.ENOENT, `cfm_voe_tx_seq_get(${unknown})`);
    },
  },
];
