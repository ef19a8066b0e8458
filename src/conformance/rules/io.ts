/** Rules of frame I/O, port flags and policers (CPU protection in hardware). */
import { ASIC_STATUS as S, CAP_FRAME_IO, PORT_PUNT_ALL, POLICER_ANY_PORT } from '../../backends/asic-binding/index.js';
import { check } from '../check.js';
import type { ConformanceRule } from '../runner.js';

export const ioRules: ConformanceRule[] = [
  {
    id: 'frame.io',
    title: 'moves frames between the CPU and the ports',
    abiRule: 'without CFM_CAP_FRAME_IO cfm_frame_tx() is CFM_ENOTSUP; with it cfm_frame_rx() of an empty queue is CFM_EAGAIN, cfm_frame_tx() '
      + 'is CFM_OK for a valid frame and CFM_EINVAL for port >= ports, a frame shorter than 14 bytes or towards > 1',
    run(c) {
      const { dev, caps } = c;
      const frame = new Uint8Array(64);
      frame.set([0x01, 0x80, 0xc2, 0x00, 0x00, 0x33, 2, 0, 0, 0, 0, 9, 0x89, 0x02, 0x60, 0x03, 0, 4]);
      if (!(caps.flags & CAP_FRAME_IO)) {
        check.status(dev.raw('frameTx', 0, frame, frame.length, 0), S.ENOTSUP, 'cfm_frame_tx without CFM_CAP_FRAME_IO');
        c.skip('no frame I/O (caps.flags lacks CFM_CAP_FRAME_IO); checked only that cfm_frame_tx says CFM_ENOTSUP');
      }
      check.equal(dev.frameRx(), null, 'cfm_frame_rx of an empty punt queue (CFM_EAGAIN)');
      check.status(dev.raw('frameTx', 0, frame, frame.length, 0), S.OK, 'cfm_frame_tx(port 0, 64-byte CCM)');
      check.status(dev.raw('frameTx', caps.ports, frame, frame.length, 0), S.EINVAL, `cfm_frame_tx(port ${caps.ports} of ${caps.ports})`);
      check.status(dev.raw('frameTx', 0, frame, 10, 0), S.EINVAL, 'cfm_frame_tx(10-byte frame)');
      check.status(dev.raw('frameTx', 0, frame, frame.length, 2), S.EINVAL, 'cfm_frame_tx(towards 2)');
    },
  },
  {
    id: 'port.flags',
    title: 'keeps port flags',
    abiRule: 'cfm_port_flags_get() returns what cfm_port_flags_set() stored; port >= ports or unknown flag bits are CFM_EINVAL',
    run(c) {
      const { dev, caps } = c;
      c.defer(() => dev.setPortFlags(0, 0));
      dev.setPortFlags(0, PORT_PUNT_ALL);
      check.equal(dev.portFlags(0), PORT_PUNT_ALL, 'cfm_port_flags_get(0) after setting CFM_PORT_PUNT_ALL');
      dev.setPortFlags(0, 0);
      check.equal(dev.portFlags(0), 0, 'cfm_port_flags_get(0) after clearing');
      check.status(dev.raw('portFlagsSet', caps.ports, 0), S.EINVAL, `cfm_port_flags_set(port ${caps.ports} of ${caps.ports})`);
      check.status(dev.raw('portFlagsSet', 0, 0x80), S.EINVAL, 'cfm_port_flags_set(flags 0x80, unknown bit)');
      check.status(dev.raw('portFlagsGet', caps.ports, [0]), S.EINVAL, `cfm_port_flags_get(port ${caps.ports} of ${caps.ports})`);
    },
  },
  {
    id: 'policer.config',
    title: 'configures policers and reads their counters',
    abiRule: 'without policers cfm_policer_set() is CFM_ENOTSUP or CFM_EINVAL; else it stores what cfm_policer_get() returns, counters start at 0, '
      + 'id >= caps.policers, port >= ports (other than CFM_POLICER_ANY_PORT), level_mask > 0xff and clear > 1 are CFM_EINVAL',
    run(c) {
      const { dev, caps } = c;
      const conf = { enable: 1, port: POLICER_ANY_PORT, vlan: 0, level_mask: 0xe0, opcode_mask: [0x28, 0, 0, 0, 0, 0, 0, 0], rate_pps: 10, burst: 0 };
      if (caps.policers === 0) {
        check.status(dev.raw('policerSet', 0, conf), [S.ENOTSUP, S.EINVAL], 'cfm_policer_set(0) with caps.policers 0');
        c.skip('no policers (caps.policers 0); checked only that cfm_policer_set refuses');
      }
      const last = caps.policers - 1;
      c.defer(() => dev.policerSet(last, { ...conf, enable: 0 }));
      dev.policerSet(last, conf);
      check.equal(dev.policerGet(last), conf, `cfm_policer_get(${last})`);
      check.equal(dev.policerCounters(last), { passed: 0, dropped: 0 }, `cfm_policer_counters_get(${last}) of a new policer`);
      check.status(dev.raw('policerSet', caps.policers, conf), S.EINVAL, `cfm_policer_set(id ${caps.policers} of ${caps.policers})`);
      check.status(dev.raw('policerGet', caps.policers, {}), S.EINVAL, `cfm_policer_get(id ${caps.policers} of ${caps.policers})`);
      check.status(dev.raw('policerCountersGet', last, 2, {}), S.EINVAL, `cfm_policer_counters_get(${last}, clear 2)`);
      check.status(dev.raw('policerSet', last, { ...conf, port: caps.ports }), S.EINVAL, `cfm_policer_set(port ${caps.ports} of ${caps.ports})`);
      check.status(dev.raw('policerSet', last, { ...conf, level_mask: 0x100 }), S.EINVAL, 'cfm_policer_set(level_mask 0x100)');
    },
  },
];
