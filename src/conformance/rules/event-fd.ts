/**
 * Rule of the optional "event_fd" group (docs/vendor-abi.md 5b, cfm_asic.h cfm_event_fd): the fd
 * is readable exactly while events or punted frames are pending. Checked with a LOC, the one
 * event a device raises without traffic: a VOE checking a silent peer at its fastest checked
 * interval raises it 3.5 intervals later (802.1Q 20.20), so this rule waits for real time.
 */
import { ASIC_STATUS as S, CAP_FRAME_IO, type AsicDevice } from '../../backends/asic-binding/index.js';
import { eventFdReadable } from '../../backends/asic-binding/event-fd.js';
import { INTERVAL_CODES, intervalMs, type IntervalCode } from '../../common/interval.js';
import { check } from '../check.js';
import { anyConf, ccConf, needVoe } from '../fixtures.js';
import type { ConformanceRule } from '../runner.js';

/** Fastest interval the device checks (LOC soonest), or undefined when it checks none. */
function fastestRx(mask: number): IntervalCode | undefined {
  return INTERVAL_CODES.find((c) => (mask & (1 << c)) !== 0);
}

/** Drain everything pending: events, and punted frames when the device has frame I/O. */
function drain(dev: AsicDevice, frameIo: boolean): number {
  let n = dev.pollEvents().length;
  if (frameIo) while (dev.frameRx()) n++;
  return n;
}

export const eventFdRules: ConformanceRule[] = [
  {
    id: 'optional.event-fd',
    title: 'optional "event_fd" call: an fd readable while events or punted frames are pending, not readable once drained',
    abiRule: 'cfm_event_fd() gives the same fd on every call (CFM_EINVAL for a NULL pointer, CFM_ENOTSUP when the device has no '
      + 'notification); it is not readable when nothing is pending, becomes readable when an event is queued (a LOC 3.5 intervals '
      + 'after a CC config with a silent peer) and is not readable again after cfm_event_poll and cfm_frame_rx drained everything',
    run(c) {
      const { dev, caps } = c;
      const fn = dev.lib.eventFd;
      if (!fn) return c.skip('the library has no cfm_event_fd (optional call): events are polled');
      check.status(fn(dev.rawHandle, null) as number, S.EINVAL, 'cfm_event_fd(NULL)');
      const out = [-1];
      const s = fn(dev.rawHandle, out) as number;
      if (s === S.ENOTSUP) return c.skip('cfm_event_fd says CFM_ENOTSUP: no notification with these open arguments (events are polled)');
      check.status(s, S.OK, 'cfm_event_fd');
      const fd = out[0];
      check.ok(Number.isInteger(fd) && fd >= 0, `cfm_event_fd returned fd ${fd}`);
      const again = [-1];
      check.status(fn(dev.rawHandle, again) as number, S.OK, 'cfm_event_fd (second call)');
      check.equal(again[0], fd, 'cfm_event_fd on a second call (the same fd)');
      const frameIo = (caps.flags & CAP_FRAME_IO) !== 0;
      drain(dev, frameIo);
      const idle = eventFdReadable(fd, 0);
      if (idle === null) return c.skip('the native addon (poll of the fd) is not available here');
      check.equal(idle, false, 'fd readable with nothing pending');

      needVoe(c);
      const iv = fastestRx(caps.rx_intervals);
      if (iv === undefined) return c.skip('the library checks no interval (rx_intervals 0): no LOC to wait for');
      const id = dev.voeAlloc(anyConf(caps, { key: 'conformance/event-fd' }));
      dev.ccSet(id, ccConf(caps, { interval: iv, tx_enable: 0, rx_enable: 1 }));
      const waitMs = intervalMs(iv) * 3.5 * 2 + 500;
      check.ok(eventFdReadable(fd, waitMs) === true, `fd readable within ${waitMs} ms of a CC config with silent peers (LOC after 3.5 x ${intervalMs(iv)} ms)`);
      const evs = dev.pollEvents();
      check.ok(evs.some((e) => e.voe === id && e.kind === 1 && e.active === 1), `cfm_event_poll after the fd became readable has the LOC of VOE ${id} (got ${JSON.stringify(evs.map((e) => [e.voe, e.kind, e.active]))})`);
      drain(dev, frameIo);
      check.equal(eventFdReadable(fd, 0), false, 'fd readable after cfm_event_poll and cfm_frame_rx drained everything');
      check.status(dev.raw('voeFree', id), S.OK, `cfm_voe_free(${id})`);
    },
  },
];
