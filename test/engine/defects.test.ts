import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/common/clock.js';
import { FaultNotificationGenerator, type FaultEvent } from '../../src/engine/index.js';
import { encodeMaid } from '../../src/pdu/index.js';
import { SimNetwork, SimSwitch } from '../../src/sim/index.js';
import { ev, MAID_A, pair, S } from './helpers.js';
import { Probe } from './probe.js';

function probeSetup(lowestAlarmPriority = 2) {
  const net = new SimNetwork();
  const sw = new SimSwitch(net, 'sw', ['p1']);
  const probe = new Probe(net);
  net.connect('sw:p1', 'probe:p0');
  const events: FaultEvent[] = [];
  sw.engine.onEvent((e) => events.push(e));
  const m = sw.addMep({ key: 'm', mepId: 1, remoteMepIds: [2], level: 3, interval: 4, vlan: 0, maid: MAID_A, port: 'p1', direction: 'down', lowestAlarmPriority });
  return { net, sw, probe, events, m };
}

/** Keep remote 2 alive with valid CCMs every second for `seconds`. */
function feed(net: SimNetwork, probe: Probe, seconds: number, extra?: () => void): void {
  for (let i = 0; i < seconds; i++) {
    probe.ccm({ seq: i });
    extra?.();
    net.runMs(1000);
  }
}

describe('the five defects (802.1Q 20.33, 20.21, 20.23)', () => {
  it('defRDICCM raised by a CCM with RDI, cleared by one without', () => {
    const { net, m1, m2, events } = pair();
    net.runMs(3000);
    m2.cfg.forceRdi = true;
    net.runMs(1500);
    expect(m1.status().defectNames).toEqual(['defRDICCM']);
    expect(m1.status().remotes[0].rdi).toBe(true);
    m2.cfg.forceRdi = false;
    net.runMs(1000);
    expect(m1.status().defects).toBe(0);
    expect(ev(events, { mep: 'm1', type: 'defect', defect: 'defRDICCM' }).map((e) => e.active)).toEqual([true, false]);
  });

  it('defMACstatus from an Interface Status TLV other than isUp, or all remotes Port Status not psUp', () => {
    const { net, m1, m2 } = pair();
    net.runMs(2500);
    m2.setStatusTlvs(0, 2); // isDown
    net.runMs(1000);
    expect(m1.status().defectNames).toEqual(['defMACstatus']);
    expect(m1.status().remotes[0].interfaceStatus).toBe(2);
    m2.setStatusTlvs(2, 1);
    net.runMs(1000);
    expect(m1.status().defects).toBe(0);
    m2.setStatusTlvs(1, 1); // psBlocked from the only remote
    net.runMs(1000);
    expect(m1.status().defectNames).toEqual(['defMACstatus']);
    expect(m1.status().remotes[0].portStatus).toBe(1);
    // m1 now reports presentRDI (a defect other than RDI): m2 sees defRDICCM with its next CCM
    net.runMs(1000);
    expect(m2.status().defectNames).toContain('defRDICCM');
  });

  it('defRemoteCCM raised on loss of CCMs, cleared when they return', () => {
    const { net, link, m1 } = pair();
    net.runMs(2000);
    link.up = false;
    net.runMs(4000);
    expect(m1.status().defectNames).toEqual(['defRemoteCCM']);
    expect(m1.status().remotes[0].state).toBe('failed');
    link.up = true;
    net.runMs(1500);
    // m2 lost m1 too: its first CCM after the restore still carries RDI (presentRDI)
    expect(m1.status().defectNames).toEqual(['defRDICCM']);
    net.runMs(1000);
    expect(m1.status().defects).toBe(0);
  });

  it('defErrorCCM: unknown MEPID, own MEPID, wrong interval; cleared 3.5 intervals later; errorCCMlastFailure kept', () => {
    for (const bad of [{ mepId: 5 }, { mepId: 1 }, { interval: 3 }]) {
      const { net, probe, m, events } = probeSetup();
      feed(net, probe, 2);
      probe.ccm({ seq: 2, ...bad });
      net.runMs(1);
      const t0 = net.clock.nowNs();
      expect(m.status().defectNames).toEqual(['defErrorCCM']);
      expect(m.status().errorCcmLastFailure).toMatch(/^6001/);
      feed(net, probe, 4);
      const clr = ev(events, { defect: 'defErrorCCM', active: false });
      expect(clr.length).toBe(1);
      const iv = bad.interval === 3 ? 0.1 : 1;
      expect(clr[0].atNs - (t0 - 1e6 + 1000)).toBe(Math.round(3.5 * iv * S));
    }
  });

  it('defXconCCM: wrong MAID at our level, or a CCM from a lower level; xconCCMlastFailure kept', () => {
    const other = encodeMaid({ md: { format: 4, name: 'Other' }, ma: { format: 2, name: 'X' } });
    for (const bad of [{ maid: other }, { level: 1 }]) {
      const { net, probe, m, events } = probeSetup();
      feed(net, probe, 2);
      probe.ccm({ seq: 2, ...bad });
      net.runMs(1);
      expect(m.status().defectNames).toEqual(['defXconCCM']);
      expect(m.status().xconCcmLastFailure).not.toBeNull();
      expect(m.status().xconCcmLastFailure!.slice(0, 2)).toBe(bad.level === 1 ? '20' : '60');
      feed(net, probe, 4);
      expect(m.status().defects).toBe(0);
      expect(ev(events, { type: 'defect', defect: 'defXconCCM' }).map((e) => e.active)).toEqual([true, false]);
    }
  });

  it('a higher-level CCM passes a MEP and is no defect', () => {
    const { net, probe, m } = probeSetup();
    feed(net, probe, 2, () => probe.ccm({ level: 5, mepId: 77 }));
    expect(m.status().defects).toBe(0);
  });
});

describe('Fault Notification Generator (802.1Q 20.35)', () => {
  function fng(o: { lowestAlarmPriority?: number; fngAlarmTimeMs?: number; fngResetTimeMs?: number } = {}) {
    const clock = new VirtualClock();
    const events: FaultEvent[] = [];
    const g = new FaultNotificationGenerator({ clock, mep: 'hw1', source: 'hardware', onEvent: (e) => events.push(e), ...o });
    return { clock, g, events };
  }

  it('alarms after fngAlarmTime of presence and clears after fngResetTime of absence', () => {
    const { clock, g, events } = fng();
    g.setDefect('defRemoteCCM', true);
    expect(g.state).toBe('fngDefect');
    clock.advance(2.5 * S - 1);
    expect(ev(events, { type: 'alarm' })).toEqual([]);
    clock.advance(1);
    const a = ev(events, { type: 'alarm' });
    expect(a.length).toBe(1);
    expect(a[0]).toMatchObject({ atNs: 2.5 * S, defect: 'defRemoteCCM', source: 'hardware', mep: 'hw1' });
    expect(g.state).toBe('fngDefectReported');
    clock.advance(1 * S);
    g.setDefect('defRemoteCCM', false);
    expect(g.state).toBe('fngDefectClearing');
    clock.advance(10 * S - 1);
    expect(ev(events, { type: 'alarm-clear' })).toEqual([]);
    clock.advance(1);
    expect(ev(events, { type: 'alarm-clear' })[0].atNs).toBe(13.5 * S);
    expect(g.state).toBe('fngReset');
    expect(JSON.parse(JSON.stringify(events))).toEqual(events);
  });

  it('a defect shorter than fngAlarmTime raises no alarm', () => {
    const { clock, g, events } = fng();
    g.setDefect('defXconCCM', true);
    clock.advance(2 * S);
    g.setDefect('defXconCCM', false);
    clock.advance(20 * S);
    expect(ev(events, { type: 'alarm' })).toEqual([]);
    expect(g.state).toBe('fngReset');
  });

  it('a defect returning during clearing goes back to reported without a new alarm', () => {
    const { clock, g, events } = fng();
    g.setDefect('defRemoteCCM', true);
    clock.advance(3 * S);
    g.setDefect('defRemoteCCM', false);
    clock.advance(5 * S);
    g.setDefect('defRemoteCCM', true);
    expect(g.state).toBe('fngDefectReported');
    clock.advance(30 * S);
    expect(ev(events, { type: 'alarm' }).length).toBe(1);
    expect(ev(events, { type: 'alarm-clear' }).length).toBe(0);
  });

  it('lowest alarm priority filters: defaults ignore defRDICCM; 3 ignores MAC status; 6 never alarms', () => {
    const cases: Array<[number, 'defRDICCM' | 'defMACstatus' | 'defRemoteCCM' | 'defXconCCM', boolean]> = [
      [2, 'defRDICCM', false], [1, 'defRDICCM', true], [2, 'defMACstatus', true], [3, 'defMACstatus', false],
      [3, 'defRemoteCCM', true], [4, 'defRemoteCCM', false], [5, 'defXconCCM', true], [6, 'defXconCCM', false],
    ];
    for (const [lap, d, alarms] of cases) {
      const { clock, g, events } = fng({ lowestAlarmPriority: lap });
      g.setDefect(d, true);
      clock.advance(5 * S);
      expect(ev(events, { type: 'alarm' }).length, `${lap} ${d}`).toBe(alarms ? 1 : 0);
    }
  });

  it('re-alarms at once on a higher-priority defect, not on a lower one', () => {
    const { clock, g, events } = fng({ lowestAlarmPriority: 1 });
    g.setDefect('defMACstatus', true);
    clock.advance(3 * S);
    g.setDefect('defRDICCM', true);
    clock.advance(1 * S);
    g.setDefect('defXconCCM', true);
    const alarms = ev(events, { type: 'alarm' });
    expect(alarms.map((a) => [a.defect, a.atNs])).toEqual([['defMACstatus', 2.5 * S], ['defXconCCM', 4 * S]]);
    expect(g.highestDefect).toBe('defXconCCM');
    expect(g.reportedDefect).toBe('defXconCCM');
  });

  it('configurable alarm/reset times in an engine MEP', () => {
    const { net, link, events } = pair();
    net.runMs(2000);
    link.up = false;
    net.runMs(20_000);
    const loc = ev(events, { mep: 'm1', defect: 'defRemoteCCM', active: true })[0];
    const alarm = ev(events, { mep: 'm1', type: 'alarm' })[0];
    expect(alarm.atNs - loc.atNs).toBe(2.5 * S);
    link.up = true;
    net.runMs(20_000);
    const clr = ev(events, { mep: 'm1', defect: 'defRemoteCCM', active: false })[0];
    const aclr = ev(events, { mep: 'm1', type: 'alarm-clear' })[0];
    expect(aclr.atNs - clr.atNs).toBe(10 * S);
  });
});
