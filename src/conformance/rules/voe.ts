/** Rules of the VOE table: allocation, read-back, validation, slots, unknown ids, full tables. */
import koffi from 'koffi';
import { ASIC_STATUS as S, CAP_UP_MEP, CAP_VLAN_MEP, MAX_PEERS, type RawVoeConf } from '../../backends/asic-binding/index.js';
import { check } from '../check.js';
import { anyConf, ccConf, needVoe, plainConf, voeConf } from '../fixtures.js';
import type { ConformanceRule } from '../runner.js';

/** cfm_voe_conf_t with the key as raw bytes, to pass a key without its NUL. */
const BytesConf = koffi.struct({
  port: 'uint32_t', direction: 'uint32_t', level: 'uint32_t', vlan: 'uint32_t',
  unicast_mac: koffi.array('uint8_t', 6), reserved: koffi.array('uint8_t', 2), key: koffi.array('uint8_t', 64),
});

export const voeRules: ConformanceRule[] = [
  {
    id: 'voe.lifecycle',
    title: 'allocates, reads back, reconfigures, lists and frees a VOE',
    abiRule: 'cfm_voe_alloc() returns a non-zero id; cfm_voe_conf_get() returns the configuration as given (63-byte key included); '
      + 'cfm_voe_list() reports the full count even with a short buffer; after cfm_voe_free() the id gives CFM_ENOENT',
    run(c) {
      needVoe(c);
      const { dev } = c;
      const conf = anyConf(c.caps, { key: 'k'.repeat(63), level: 2, unicast_mac: [2, 0x11, 0x22, 0x33, 0x44, 0x55] });
      const id = dev.voeAlloc(conf);
      check.ok(id !== 0, 'cfm_voe_alloc returned VOE id 0 (0 is never a valid id)');
      check.equal(plainConf(dev.voeConfGet(id)), conf, `cfm_voe_conf_get(${id}) after cfm_voe_alloc`);
      check.ok(dev.voeList().includes(id), `cfm_voe_list does not list the new VOE ${id}`);
      const moved = { ...conf, level: 6, key: 'conformance/moved' };
      dev.voeConfSet(id, moved);
      check.equal(plainConf(dev.voeConfGet(id)), moved, `cfm_voe_conf_get(${id}) after cfm_voe_conf_set`);
      const count = [0];
      check.status(dev.raw('voeList', new Uint32Array(0), 0, count), S.OK, 'cfm_voe_list(max 0)');
      check.equal(count[0], dev.voeList().length, 'cfm_voe_list(max 0) count (the full count)');
      check.status(dev.raw('voeFree', id), S.OK, `cfm_voe_free(${id})`);
      check.ok(!dev.voeList().includes(id), `cfm_voe_list still lists VOE ${id} after cfm_voe_free`);
      check.status(dev.raw('voeConfGet', id, {}), S.ENOENT, `cfm_voe_conf_get(${id}) after cfm_voe_free`);
      check.status(dev.raw('voeFree', id), S.ENOENT, `second cfm_voe_free(${id})`);
    },
  },
  {
    id: 'voe.invalid-conf',
    title: 'rejects invalid VOE configurations and allocates nothing for them',
    abiRule: 'cfm_voe_alloc() returns CFM_EINVAL for port >= ports, level > 7, direction > 1, VLAN 4095, a multicast MAC or a key '
      + 'without NUL in its 64 bytes; CFM_ENOTSUP for an UP MEP / VLAN MEP the caps do not offer',
    run(c) {
      needVoe(c);
      const { dev, caps } = c;
      const bad = (over: Partial<RawVoeConf>, what: string, want: number): void => {
        check.status(dev.raw('voeAlloc', anyConf(caps, over), [0]), want, `cfm_voe_alloc(${what})`);
      };
      bad({ port: caps.ports }, `port ${caps.ports} of ${caps.ports}`, S.EINVAL);
      bad({ level: 8 }, 'level 8', S.EINVAL);
      bad({ direction: 2 }, 'direction 2', S.EINVAL);
      bad({ vlan: 4095 }, 'vlan 4095', S.EINVAL);
      bad({ unicast_mac: [1, 0, 0, 0, 0, 1] }, 'multicast unicast_mac 01:00:00:00:00:01', S.EINVAL);
      if (!(caps.flags & CAP_UP_MEP)) bad({ direction: 1 }, 'direction UP without CFM_CAP_UP_MEP', S.ENOTSUP);
      if (!(caps.flags & CAP_VLAN_MEP)) bad({ vlan: 100 }, 'vlan 100 without CFM_CAP_VLAN_MEP', S.ENOTSUP);
      const allocBytes = koffi.load(c.target.libPath)
        .func('cfm_voe_alloc', 'int32_t', ['cfm_asic_t *', koffi.pointer(BytesConf), koffi.out(koffi.pointer('uint32_t'))]);
      check.status(allocBytes(dev.rawHandle, { ...anyConf(caps), key: new Array(64).fill(0x41) }, [0]) as number, S.EINVAL,
        'cfm_voe_alloc(key of 64 bytes without NUL)');
      check.equal(dev.voeList(), [], 'cfm_voe_list after refused allocations (a refused call allocates nothing)');
    },
  },
  {
    id: 'voe.slot-busy',
    title: 'refuses a second VOE on the same port, VLAN, direction and level',
    abiRule: 'cfm_voe_alloc() and cfm_voe_conf_set() return CFM_EBUSY when another VOE has the same port, VLAN, direction and level; '
      + 'cfm_voe_conf_set() of a VOE onto its own slot is CFM_OK',
    run(c) {
      needVoe(c);
      const { dev, caps } = c;
      const a = dev.voeAlloc(anyConf(caps, { level: 1 }));
      check.status(dev.raw('voeAlloc', anyConf(caps, { level: 1, key: 'other' }), [0]), S.EBUSY, 'cfm_voe_alloc(same slot as VOE ' + a + ')');
      const b = dev.voeAlloc(anyConf(caps, { level: 2 }));
      check.status(dev.raw('voeConfSet', b, anyConf(caps, { level: 1 })), S.EBUSY, `cfm_voe_conf_set(${b} onto the slot of VOE ${a})`);
      check.status(dev.raw('voeConfSet', a, anyConf(caps, { level: 1, key: 'same-slot' })), S.OK, `cfm_voe_conf_set(${a} onto its own slot)`);
    },
  },
  {
    id: 'voe.unknown-id',
    title: 'returns CFM_ENOENT for VOE ids that are not allocated',
    abiRule: 'every per-VOE call (conf_get/set, free, cc_set/get, rdi_set, status_get) returns CFM_ENOENT for an id not allocated (0, 0x7fffffff)',
    run(c) {
      const { dev, caps } = c;
      for (const id of [0, 0x7fffffff]) {
        check.status(dev.raw('voeConfGet', id, {}), S.ENOENT, `cfm_voe_conf_get(${id})`);
        check.status(dev.raw('voeConfSet', id, anyConf(caps)), S.ENOENT, `cfm_voe_conf_set(${id})`);
        check.status(dev.raw('voeFree', id), S.ENOENT, `cfm_voe_free(${id})`);
        check.status(dev.raw('ccSet', id, { ...ccConf(caps), peers: new Array(MAX_PEERS).fill(0) }), S.ENOENT, `cfm_voe_cc_set(${id})`);
        check.status(dev.raw('ccGet', id, {}), S.ENOENT, `cfm_voe_cc_get(${id})`);
        check.status(dev.raw('rdiSet', id, 1), S.ENOENT, `cfm_voe_rdi_set(${id})`);
        check.status(dev.raw('statusGet', id, 0, {}), S.ENOENT, `cfm_voe_status_get(${id})`);
      }
    },
  },
  {
    id: 'voe.port-table-full',
    title: 'fills the port VOE table and then reports CFM_ENOSPC',
    abiRule: 'after caps.port_voes port VOEs, cfm_voe_alloc() of one more returns CFM_ENOSPC',
    run(c) {
      const { dev, caps } = c;
      const dirs = caps.flags & CAP_UP_MEP ? 2 : 1;
      if (caps.port_voes === 0) c.skip('no port VOEs (caps.port_voes 0)');
      if (caps.port_voes > 4096 || caps.port_voes >= caps.ports * 8 * dirs) c.skip(`port VOE table of ${caps.port_voes} too large to fill`);
      const slot = (i: number): RawVoeConf => voeConf({
        key: `fill/${i}`, level: i % 8, port: Math.floor(i / 8) % caps.ports, direction: Math.floor(i / (8 * caps.ports)) % 2,
      });
      for (let i = 0; i < caps.port_voes; i++) dev.voeAlloc(slot(i));
      check.status(dev.raw('voeAlloc', slot(caps.port_voes), [0]), S.ENOSPC, `cfm_voe_alloc(port VOE ${caps.port_voes + 1} of ${caps.port_voes})`);
      check.equal(dev.voeList().length, caps.port_voes, 'VOEs listed after filling the port table');
    },
  },
  {
    id: 'voe.service-table-full',
    title: 'fills the service VOE table and then reports CFM_ENOSPC',
    abiRule: 'after caps.service_voes VLAN VOEs, cfm_voe_alloc() of one more returns CFM_ENOSPC',
    run(c) {
      const { dev, caps } = c;
      if (caps.service_voes === 0 || !(caps.flags & CAP_VLAN_MEP)) c.skip('no service VOEs (caps.service_voes 0 or no CFM_CAP_VLAN_MEP)');
      if (caps.service_voes > 4094) c.skip(`service VOE table of ${caps.service_voes} too large to fill`);
      for (let i = 0; i < caps.service_voes; i++) dev.voeAlloc(voeConf({ key: `svc/${i}`, vlan: 1 + i }));
      check.status(dev.raw('voeAlloc', voeConf({ key: 'svc/extra', vlan: 4094 }), [0]), S.ENOSPC,
        `cfm_voe_alloc(service VOE ${caps.service_voes + 1} of ${caps.service_voes})`);
    },
  },
];
