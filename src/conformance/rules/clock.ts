/**
 * Rule of the optional "clock" group (docs/vendor-abi.md "clock group", cfm_asic.h
 * cfm_asic_time_get): the device time that stamps punted frames and events, read now. The binding
 * maps receive times onto the manager's clock with it (LOC is decided on them, 802.1Q 20.20), so
 * it must be the same counter as the stamps and never go back.
 */
import { ASIC_STATUS as S, CAP_FRAME_IO, PORT_PUNT_ALL, type AsicDevice } from '../../backends/asic-binding/index.js';
import { check } from '../check.js';
import { anyConf, ccConf, needVoe } from '../fixtures.js';
import type { ConformanceRule, RuleContext } from '../runner.js';
import { pass } from './inject.js';

const INTERVAL_NS = [0, 3_333_333, 10e6, 100e6, 1e9, 10e9, 60e9, 600e9];

function read(dev: AsicDevice, what: string): number {
  const v = dev.timeGetNow();
  check.ok(v !== null, `cfm_asic_time_get (${what}) said CFM_ENOTSUP after it answered before`);
  return v!;
}

/** A LOC (802.1Q 20.20, 3.5 intervals after a CC config with a silent peer) stamped between the reads around it. */
async function eventStamp(c: RuleContext): Promise<void> {
  const { dev, caps } = c;
  let iv = 0;
  for (let k = 1; k <= 7 && iv === 0; k++) if (caps.rx_intervals & (1 << k)) iv = k;
  if (iv === 0) return;
  needVoe(c);
  dev.pollEvents();
  const id = dev.voeAlloc(anyConf(caps, { key: 'conformance/clock' }));
  try {
    dev.ccSet(id, ccConf(caps, { interval: iv, tx_enable: 0, rx_enable: 1 }));
    const t0 = read(dev, 'after the CC config');
    const budgetNs = INTERVAL_NS[iv] * 7 + 500e6;
    let loc;
    for (let waited = 0; !loc && waited <= budgetNs; waited += INTERVAL_NS[iv] / 2) {
      await pass(dev, INTERVAL_NS[iv] / 2);
      loc = dev.pollEvents().find((e) => e.voe === id && e.kind === 1 && e.active === 1);
    }
    const t1 = read(dev, 'after the poll');
    check.ok(loc !== undefined, `a LOC of VOE ${id} within ${budgetNs / 1e6} ms of a CC config with silent peers`);
    check.ok(loc!.time_ns >= t0 + 3 * INTERVAL_NS[iv] && loc!.time_ns <= t1,
      `LOC time_ns ${loc!.time_ns} within [time after the CC config ${t0} + 3 intervals, time after the poll ${t1}] (the same counter)`);
  } finally {
    check.status(dev.raw('voeFree', id), S.OK, `cfm_voe_free(${id})`);
  }
}

/** On the mock (a frame put on its port): the punted frame's time_ns between the reads around it. */
function frameStamp(dev: AsicDevice, frameIo: boolean): void {
  if (!dev.hasMockExtensions || !frameIo) return;
  const flags = dev.portFlags(0);
  dev.setPortFlags(0, flags | PORT_PUNT_ALL);
  try {
    while (dev.frameRx());
    const f = new Uint8Array(64);
    f.set([0x01, 0x80, 0xc2, 0x00, 0x00, 0x33, 2, 0, 0, 0, 0, 9, 0x89, 0x02, 0x60, 0x03, 0, 4]);
    const a = read(dev, 'before a frame');
    dev.mockPortRx(0, f);
    const b = read(dev, 'after a frame');
    const got = dev.frameRx();
    check.ok(got !== null, 'a CFM frame on a punt-all port is punted');
    check.ok(got!.info.time_ns >= a && got!.info.time_ns <= b, `punted frame time_ns ${got!.info.time_ns} within the reads around it [${a}, ${b}]`);
  } finally {
    dev.setPortFlags(0, flags);
  }
}

export const clockRules: ConformanceRule[] = [
  {
    id: 'optional.clock',
    title: 'optional "clock" call: the device time that stamps frames and events, never decreasing',
    abiRule: 'cfm_asic_time_get() is CFM_EINVAL for a NULL pointer (CFM_ENOTSUP: no readable counter); successive reads never decrease; '
      + 'a LOC raised after a CC config with a silent peer carries a time_ns at least 3 intervals after the read following the config and '
      + 'not after the read following the poll that returned it; on the mock a punted frame\'s time_ns lies between the reads around its arrival',
    async run(c) {
      const { dev, caps } = c;
      const fn = dev.lib.timeGet;
      if (!fn) return c.skip('the library has no cfm_asic_time_get (optional call): receive times are learnt from the frames');
      check.status(fn(dev.rawHandle, null) as number, S.EINVAL, 'cfm_asic_time_get(NULL)');
      if (dev.timeGetNow() === null) return c.skip('cfm_asic_time_get says CFM_ENOTSUP: no readable counter (receive times are learnt from the frames)');
      let prev = read(dev, 'first');
      for (let i = 0; i < 1000; i++) {
        const v = read(dev, `read ${i + 2}`);
        check.ok(v >= prev, `cfm_asic_time_get went back from ${prev} to ${v}`);
        prev = v;
      }
      frameStamp(dev, (caps.flags & CAP_FRAME_IO) !== 0);
      await eventStamp(c);
    },
  },
];
