/**
 * snmpd (Debian's net-snmp) as AgentX master with our subagent serving the demo's sw1 manager:
 * snmpwalk / snmpget of the MD, MA, MEP, MEP DB and LTR tables return the manager's values;
 * snmptrapd receives dot1agCfmFaultAlarm after a cable cut; a missing master and a master
 * going away and coming back are clear messages, the manager keeps running and the subagent
 * registers again. Numeric OIDs only (the project does not ship IEEE's MIB text).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentx, type AgentxSubagent } from '../../src/telemetry/index.js';
import { startDemoSwitches, type DemoSwitches } from './demo-switches.js';
import { snmp, startSnmpd, startSnmptrapd, waitFor, type Daemon, type SnmpVar } from './servers.js';

const MIB = '1.3.111.2.802.1.1.8';
const MEP_ENTRY = `${MIB}.1.7.1.1`;
const MEPDB_ENTRY = `${MIB}.1.7.3.1`;
const LTR_ENTRY = `${MIB}.1.7.2.1`;
const FAULT_ALARM = `${MIB}.0.1`;

let demo: DemoSwitches;
let sockDir: string;
let socket: string;
let snmpd: Daemon;
let trapd: Daemon;
let sub: AgentxSubagent;
const logs: string[] = [];

const col = (vars: SnmpVar[], entry: string, c: number, index: string) => vars.find((v) => v.oid === `${entry}.${c}.${index}`);
const macHex = (mac: string | null) => (mac ?? '00:00:00:00:00:00').split(':').join(' ').toUpperCase();

describe('AgentX subagent under snmpd', () => {
  beforeAll(async () => {
    demo = await startDemoSwitches();
    await demo.run(3);
    sockDir = mkdtempSync(join(tmpdir(), 'cfm-agentx-'));
    socket = join(sockDir, 'master');
    trapd = await startSnmptrapd();
    snmpd = await startSnmpd({ agentx: socket, trapPort: trapd.port });
    sub = startAgentx(demo.managers.sw1, { socket, retryMs: 300, log: (l) => logs.push(l) });
    await sub.whenOpen();
  });
  afterAll(async () => {
    await sub?.close();
    await snmpd?.stop();
    await trapd?.stop();
    await demo?.close();
    if (sockDir) rmSync(sockDir, { recursive: true, force: true });
  });

  it('MD and MA tables: names, levels, intervals, MEP lists', async () => {
    const md = await snmp('snmpwalk', snmpd.port, `${MIB}.1.5.2`);
    // md 1 = link (format none: the md-id stands in), md 2 = demo (charString "DemoProvider")
    expect(col(md, `${MIB}.1.5.2.1`, 2, '2')).toMatchObject({ type: 'INTEGER', value: '4' });
    expect(col(md, `${MIB}.1.5.2.1`, 3, '2')).toMatchObject({ type: 'STRING', value: '"DemoProvider"' });
    expect(col(md, `${MIB}.1.5.2.1`, 4, '2')?.value).toBe('5');
    expect(col(md, `${MIB}.1.5.2.1`, 4, '1')?.value).toBe('0');
    const ma = await snmp('snmpwalk', snmpd.port, `${MIB}.1.6.1`);
    expect(col(ma, `${MIB}.1.6.1.1`, 3, '1.1')).toMatchObject({ type: 'STRING', value: '"LINK_SW1_SW2"' });
    expect(col(ma, `${MIB}.1.6.1.1`, 4, '1.1')?.value).toBe('3'); // interval100ms
    expect(col(ma, `${MIB}.1.6.1.1`, 4, '2.1')?.value).toBe('1'); // svc-3ms: interval300Hz
    const list = await snmp('snmpwalk', snmpd.port, `${MIB}.1.6.3`);
    expect(list.filter((v) => v.oid.startsWith(`${MIB}.1.6.3.1.2.2.8.`)).map((v) => v.oid.split('.').pop())).toEqual(['81', '82', '83']);
    const comp = await snmp('snmpget', snmpd.port, `${MIB}.1.6.4.1.3.1.2.2`);
    expect(comp[0]).toMatchObject({ type: 'Gauge32', value: '20' }); // svc-10ms primary VID
  });

  it('snmpwalk of the MEP table returns the manager\'s values', async () => {
    const st = await demo.managers.sw1.status();
    const walk = await snmp('snmpwalk', snmpd.port, `${MIB}.1.7.1`);
    const rows = new Set(walk.map((v) => v.oid.split('.').slice(-3).join('.')));
    expect(rows.size).toBe(st.meps.length);
    const idx = { 'link/sw1-sw2/1': '1.1.1', 'demo/svc-3ms/11': '2.1.11', 'demo/svc-10s/51': '2.5.51' } as const;
    for (const [key, ix] of Object.entries(idx)) {
      const m = st.meps.find((x) => x.key === key)!;
      expect(col(walk, MEP_ENTRY, 6, ix)?.value).toBe('1'); // fngReset
      expect(col(walk, MEP_ENTRY, 13, ix)?.value).toBe('0'); // no defect
      expect(col(walk, MEP_ENTRY, 18, ix)).toEqual({ oid: `${MEP_ENTRY}.18.${ix}`, type: 'Counter32', value: String(m.counters.ccmTx) });
      expect(col(walk, MEP_ENTRY, 17, ix)?.value).toBe(String(m.counters.seqErrors));
      expect(col(walk, MEP_ENTRY, 4, ix)?.value).toBe(String(m.vlan));
      expect(col(walk, MEP_ENTRY, 3, ix)?.value).toBe('1'); // down
    }
    expect(col(walk, MEP_ENTRY, 11, '1.1.1')?.value).toBe('250'); // fngAlarmTime 2.5 s in 1/100 s
  });

  it('MEP database: remote MEP state, MAC and RDI (snmpget)', async () => {
    const st = await demo.managers.sw1.status();
    const r = st.meps.find((x) => x.key === 'link/sw1-sw2/1')!.remotes[0];
    const got = await snmp('snmpget', snmpd.port, `${MEPDB_ENTRY}.2.1.1.1.2`, `${MEPDB_ENTRY}.4.1.1.1.2`, `${MEPDB_ENTRY}.5.1.1.1.2`);
    expect(got.map((v) => v.value)).toEqual(['4', macHex(r.mac), '2']); // rMepOk, its MAC, RDI false
    const missing = await snmp('snmpget', snmpd.port, `${MEPDB_ENTRY}.2.1.1.1.99`);
    expect(missing[0].value).toMatch(/No Such Instance/);
  });

  it('cable cut: the MEP table shows defRemoteCCM and snmptrapd receives dot1agCfmFaultAlarm', async () => {
    demo.cable(false);
    await demo.run(7); // LOC after 3.5 x 100 ms, FNG alarm 2.5 s later (802.1Q 20.35)
    const st = await demo.managers.sw1.status();
    expect(st.meps.find((x) => x.key === 'link/sw1-sw2/1')?.defects).toContain('defRemoteCCM');
    await new Promise((r) => setTimeout(r, 1100)); // the served view is at most 1 s old
    const got = await snmp('snmpget', snmpd.port, `${MEP_ENTRY}.13.1.1.1`, `${MEP_ENTRY}.6.1.1.1`, `${MEP_ENTRY}.14.1.1.1`, `${MEPDB_ENTRY}.2.1.1.1.2`);
    // defRemoteCCM, fngDefectReported, dot1agCfmMepDefects = 0x20 (bDefRemoteCCM, bit 2; snmpget
    // shows the printable octet as a string), rMepFailed
    expect(got.map((v) => v.value)).toEqual(['3', '4', '" "', '3']);
    const trap = await waitFor('dot1agCfmFaultAlarm at snmptrapd', async () => {
      const log = trapd.log();
      return log.includes(FAULT_ALARM) && log.includes(`${MEP_ENTRY}.13.1.1.1 = INTEGER: 3`) ? log : null;
    }, 15_000);
    expect(trap).toContain(`1.3.6.1.6.3.1.1.4.1.0 = OID: .${FAULT_ALARM}`);
    expect(sub.notifications.sent).toBeGreaterThanOrEqual(1);
    demo.cable(true);
    await demo.run(13);
  });

  it('linktrace reply table after a linktrace', async () => {
    // The demo config polices CFM opcodes 2-5 (LBR, LBM, LTR, LTM) to 5 frames/s on p1: an LTR
    // can be dropped there, so try up to three linktraces; the table shows the last one.
    let res: Awaited<ReturnType<typeof demo.managers.sw1.linktrace>> | null = null;
    for (let i = 0; i < 3 && !res?.replies.length; i++) {
      let done = false;
      const lt = demo.managers.sw1.linktrace('link/sw1-sw2/1', { targetMepId: 2, timeoutMs: 1000 }).finally(() => (done = true));
      while (!done) await demo.run(0.1);
      res = await lt;
    }
    if (!res) throw new Error('no linktrace');
    expect(res.replies.length, JSON.stringify(res)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1100));
    const walk = await snmp('snmpwalk', snmpd.port, `${MIB}.1.7.2`);
    const ix = `1.1.1.${res.transactionId}.1`;
    expect(col(walk, LTR_ENTRY, 3, ix)?.value).toBe(String(res.replies[0].ttl));
    expect(col(walk, LTR_ENTRY, 5, ix)?.value).toBe(res.replies[0].terminalMep ? '1' : '2');
    expect(col(walk, LTR_ENTRY, 8, ix)?.value).toBe('1'); // rlyHit
  });

  it('the master going away and coming back: a clear message, the manager runs on, the subagent registers again', async () => {
    const port = snmpd.port;
    await snmpd.stop();
    await waitFor('the lost-master message', async () => logs.some((l) => l.startsWith(`cfm agentx: lost the master at ${socket}`)), 10_000);
    await demo.run(1);
    expect((await demo.managers.sw1.status()).meps.length).toBeGreaterThan(0);
    snmpd = await startSnmpd({ agentx: socket, port });
    await sub.whenOpen();
    const got = await snmp('snmpget', snmpd.port, `${MEP_ENTRY}.13.1.1.1`);
    expect(got[0].value).toBe('0');
  });
});

describe('AgentX master missing', () => {
  it('says so once, keeps the manager running and keeps retrying', async () => {
    const d = await startDemoSwitches();
    const lines: string[] = [];
    const s = startAgentx(d.managers.sw1, { socket: '/nonexistent/agentx/master', retryMs: 100, log: (l) => lines.push(l) });
    try {
      await new Promise((r) => setTimeout(r, 600));
      expect(lines).toEqual(['cfm agentx: cannot reach the master at /nonexistent/agentx/master: no such socket (is snmpd running with "master agentx"?); retrying every 0.1 s (the manager keeps running)']);
      expect(s.state).not.toBe('open');
      await d.run(1);
      expect((await d.managers.sw1.status()).meps.every((m) => m.defects.length === 0)).toBe(true);
    } finally {
      await s.close();
      await d.close();
    }
  });
});
