/**
 * The broken-config corpus: each case breaks exactly one rule of a valid config and must be
 * rejected with the expected JSON pointer and rule id (and a YAML location).
 */
import { describe, expect, it } from 'vitest';
import { base, load, P } from './fixtures.js';
import type { Doc } from './fixtures.js';

interface Case { name: string; mutate: (d: Doc) => void; pointer: string; rule: string }

const mepOf = (d: Doc, g: number, k = 0): Doc => d.cfm['maintenance-group'][g].mep[k];
const maOf = (d: Doc, i: number, j: number): Doc => d.cfm['maintenance-domain'][i]['maintenance-association'][j];
const mdOf = (d: Doc, i: number): Doc => d.cfm['maintenance-domain'][i];

const cases: Case[] = [
  // ---- JSON Schema ------------------------------------------------------------------------
  { name: 'unknown top-level key', mutate: (d) => { d.domains = []; }, pointer: '/domains', rule: 'schema.additionalProperties' },
  { name: 'misspelt md-level', mutate: (d) => { mdOf(d, 0)['md-levle'] = 5; }, pointer: P.md(0) + '/md-levle', rule: 'schema.additionalProperties' },
  { name: 'md-level 8', mutate: (d) => { mdOf(d, 0)['md-level'] = 8; }, pointer: P.md(0) + '/md-level', rule: 'schema.maximum' },
  { name: 'md-level negative', mutate: (d) => { mdOf(d, 1)['md-level'] = -1; }, pointer: P.md(1) + '/md-level', rule: 'schema.minimum' },
  { name: 'md-id with a space', mutate: (d) => { mdOf(d, 0)['md-id'] = 'my domain'; }, pointer: P.md(0) + '/md-id', rule: 'schema.pattern' },
  { name: 'missing md-id', mutate: (d) => { delete mdOf(d, 0)['md-id']; }, pointer: P.md(0), rule: 'schema.required' },
  { name: 'md char-string over 43', mutate: (d) => { mdOf(d, 0)['char-string'] = 'x'.repeat(44); }, pointer: P.md(0) + '/char-string', rule: 'schema.maxLength' },
  { name: 'md mhf-creation defer', mutate: (d) => { mdOf(d, 0)['mhf-creation'] = 'mhf-defer'; }, pointer: P.md(0) + '/mhf-creation', rule: 'schema.enum' },
  { name: 'md id-permission defer', mutate: (d) => { mdOf(d, 0)['id-permission'] = 'send-id-defer'; }, pointer: P.md(0) + '/id-permission', rule: 'schema.enum' },
  { name: 'bad ccm-interval', mutate: (d) => { maOf(d, 0, 0)['ccm-interval'] = '2sec'; }, pointer: P.ma(0, 0) + '/ccm-interval', rule: 'schema.enum' },
  { name: 'interval code 0', mutate: (d) => { maOf(d, 0, 0)['ccm-interval'] = 0; }, pointer: P.ma(0, 0) + '/ccm-interval', rule: 'schema.enum' },
  { name: 'vid 4095', mutate: (d) => { maOf(d, 0, 0).vid = 4095; }, pointer: P.ma(0, 0) + '/vid', rule: 'schema.maximum' },
  { name: 'primary-vid 0', mutate: (d) => { maOf(d, 1, 0)['primary-vid'] = 0; }, pointer: P.ma(1, 0) + '/primary-vid', rule: 'schema.minimum' },
  { name: 'MEP id 8192 in MA list', mutate: (d) => { maOf(d, 1, 0)['maintenance-association-mep'].push(8192); }, pointer: P.ma(1, 0) + '/maintenance-association-mep/3', rule: 'schema.maximum' },
  { name: 'local mep-id 0', mutate: (d) => { mepOf(d, 0)['mep-id'] = 0; }, pointer: P.mep(0) + '/mep-id', rule: 'schema.minimum' },
  { name: 'direction sideways', mutate: (d) => { mepOf(d, 0).direction = 'sideways'; }, pointer: P.mep(0) + '/direction', rule: 'schema.enum' },
  { name: 'MEP without interface', mutate: (d) => { delete mepOf(d, 0).interface; }, pointer: P.mep(0), rule: 'schema.required' },
  { name: 'ccm-ltm-priority 8', mutate: (d) => { mepOf(d, 0)['ccm-ltm-priority'] = 8; }, pointer: P.mep(0) + '/ccm-ltm-priority', rule: 'schema.maximum' },
  { name: 'fng-alarm-time 2000 ms', mutate: (d) => { mepOf(d, 0)['continuity-check']['fng-alarm-time'] = 2000; }, pointer: P.mep(0) + '/continuity-check/fng-alarm-time', rule: 'schema.minimum' },
  { name: 'fng-reset-time 20000 ms', mutate: (d) => { mepOf(d, 0)['continuity-check']['fng-reset-time'] = 20000; }, pointer: P.mep(0) + '/continuity-check/fng-reset-time', rule: 'schema.maximum' },
  { name: 'lowest-priority-defect unknown', mutate: (d) => { mepOf(d, 0)['continuity-check']['lowest-priority-defect'] = 'everything'; }, pointer: P.mep(0) + '/continuity-check/lowest-priority-defect', rule: 'schema.enum' },
  { name: 'enabled as string', mutate: (d) => { mepOf(d, 0).enabled = 'yes'; }, pointer: P.mep(0) + '/enabled', rule: 'schema.type' },
  { name: 'bad MAC address', mutate: (d) => { mepOf(d, 0)['mac-address'] = '00:11:22:33:44'; }, pointer: P.mep(0) + '/mac-address', rule: 'schema.pattern' },
  { name: 'offload pin unknown', mutate: (d) => { mepOf(d, 0).offload = 'asic'; }, pointer: P.mep(0) + '/offload', rule: 'schema.enum' },
  { name: 'five policies', mutate: (d) => { for (let i = 2; i <= 5; i++) d['cpu-protection'].policy.push({ 'policy-id': Math.min(i, 4) }); }, pointer: '/cpu-protection/policy', rule: 'schema.maxItems' },
  { name: 'policy id 5', mutate: (d) => { d['cpu-protection'].policy[0]['policy-id'] = 5; }, pointer: '/cpu-protection/policy/0/policy-id', rule: 'schema.maximum' },
  { name: 'eleven eth-cfm entries', mutate: (d) => { const e = d['cpu-protection'].policy[0]['eth-cfm']; for (let i = 0; i < 9; i++) e.push({ entry: 30 + i, level: 1, opcode: 1, rate: 1 }); }, pointer: '/cpu-protection/policy/0/eth-cfm', rule: 'schema.maxItems' },
  { name: 'entry 101', mutate: (d) => { d['cpu-protection'].policy[0]['eth-cfm'][0].entry = 101; }, pointer: '/cpu-protection/policy/0/eth-cfm/0/entry', rule: 'schema.maximum' },
  { name: 'level range text', mutate: (d) => { d['cpu-protection'].policy[0]['eth-cfm'][0].level = 'five to seven'; }, pointer: '/cpu-protection/policy/0/eth-cfm/0/level', rule: 'schema.pattern' },

  // ---- names, MAID, ICC ---------------------------------------------------------------------
  { name: 'two md-name choices', mutate: (d) => { mdOf(d, 0)['dns-like-name'] = 'cust.example'; }, pointer: P.md(0) + '/char-string', rule: 'md.name-choice' },
  { name: 'MA without a name', mutate: (d) => { delete maOf(d, 0, 0)['char-string']; }, pointer: P.ma(0, 0), rule: 'ma.name-missing' },
  { name: 'two ma-name choices', mutate: (d) => { maOf(d, 1, 0)['unsigned-int16'] = 3; }, pointer: P.ma(1, 0) + '/unsigned-int16', rule: 'ma.name-choice' },
  { name: 'MAID over 48 bytes', mutate: (d) => { mdOf(d, 0)['char-string'] = 'C'.repeat(40); maOf(d, 0, 0)['char-string'] = 'S'.repeat(10); }, pointer: P.ma(0, 0) + '/char-string', rule: 'ma.maid-too-long' },
  { name: 'ICC MEG ID with an MD name', mutate: (d) => { delete maOf(d, 0, 0)['char-string']; maOf(d, 0, 0)['icc-based'] = 'ABC123'; }, pointer: P.ma(0, 0) + '/icc-based', rule: 'ma.icc-needs-md-none' },
  { name: 'ICC MEG ID too long', mutate: (d) => { delete mdOf(d, 0)['char-string']; mdOf(d, 0).none = [null]; delete maOf(d, 0, 0)['char-string']; maOf(d, 0, 0)['icc-based'] = 'ABCDEFGHIJKLMN'; }, pointer: P.ma(0, 0) + '/icc-based', rule: 'ma.icc-length' },
  { name: 'ICC lower case', mutate: (d) => { delete mdOf(d, 0)['char-string']; mdOf(d, 0).none = [null]; delete maOf(d, 0, 0)['char-string']; maOf(d, 0, 0)['icc-based'] = { icc: 'abc', umc: 'X1' }; }, pointer: P.ma(0, 0) + '/icc-based/icc', rule: 'ma.icc-format' },
  { name: 'ICC+CC bad country code', mutate: (d) => { delete mdOf(d, 0)['char-string']; mdOf(d, 0).none = [null]; delete maOf(d, 0, 0)['char-string']; maOf(d, 0, 0)['icc-and-cc'] = { cc: 'USA', icc: 'ABC', umc: 'X1' }; }, pointer: P.ma(0, 0) + '/icc-and-cc/cc', rule: 'ma.icc-format' },
  { name: 'same MAID at the same level', mutate: (d) => { mdOf(d, 0)['maintenance-association'].push({ 'ma-id': 'svc100b', 'char-string': 'SVC100', vid: 200 }); }, pointer: P.ma(0, 1), rule: 'ma.duplicate-maid' },

  // ---- unique keys and references -----------------------------------------------------------
  { name: 'duplicate md-id', mutate: (d) => { mdOf(d, 1)['md-id'] = 'cust'; }, pointer: P.md(1) + '/md-id', rule: 'md.duplicate-id' },
  { name: 'duplicate ma-id', mutate: (d) => { maOf(d, 1, 1)['ma-id'] = 'evc1'; }, pointer: P.ma(1, 1) + '/ma-id', rule: 'ma.duplicate-id' },
  { name: 'MEP id listed twice in the MA', mutate: (d) => { maOf(d, 1, 0)['maintenance-association-mep'].push(11); }, pointer: P.ma(1, 0) + '/maintenance-association-mep/3', rule: 'ma.duplicate-mep-id' },
  { name: 'group names an unknown md-id', mutate: (d) => { d.cfm['maintenance-group'][0]['md-id'] = 'nobody'; }, pointer: P.group(0) + '/md-id', rule: 'group.unknown-md' },
  { name: 'group names an unknown ma-id', mutate: (d) => { d.cfm['maintenance-group'][0]['ma-id'] = 'nothing'; }, pointer: P.group(0) + '/ma-id', rule: 'group.unknown-ma' },
  { name: 'local MEP not in the MA list', mutate: (d) => { mepOf(d, 0)['mep-id'] = 3; }, pointer: P.mep(0) + '/mep-id', rule: 'mep.not-in-ma' },
  { name: 'same MEP id twice in one MA', mutate: (d) => { d.cfm['maintenance-group'][2].mep.push({ 'mep-id': 20, interface: 'p3', direction: 'down' }); }, pointer: P.mep(2, 1) + '/mep-id', rule: 'mep.duplicate-id' },
  { name: 'inactive remote MEP not in the MA', mutate: (d) => { mepOf(d, 1)['inactive-remote-mep'] = [{ 'inactive-rmep-id': 99 }]; }, pointer: P.mep(1) + '/inactive-remote-mep/0/inactive-rmep-id', rule: 'mep.inactive-not-remote' },
  { name: 'MEP MAC is multicast', mutate: (d) => { mepOf(d, 0)['mac-address'] = '01-80-c2-00-00-30'; }, pointer: P.mep(0) + '/mac-address', rule: 'mep.mac-multicast' },

  // ---- placement and nesting ----------------------------------------------------------------
  { name: 'two MEPs on one port/VLAN/level/direction', mutate: (d) => { maOf(d, 1, 1)['maintenance-association-mep'].push(22); d.cfm['maintenance-group'][2].mep.push({ 'mep-id': 22, interface: 'p2', direction: 'down' }); }, pointer: P.mep(2, 1), rule: 'mep.conflict' },
  { name: 'up and down MEP at one level on one port', mutate: (d) => { maOf(d, 1, 1)['maintenance-association-mep'].push(22); d.cfm['maintenance-group'][2].mep.push({ 'mep-id': 22, interface: 'p2', direction: 'up' }); }, pointer: P.mep(2, 1), rule: 'mp.same-level' },
  { name: 'MIP below a MEP of its port', mutate: (d) => { d.cfm.mip[0]['md-level'] = 2; delete d.cfm.mip[0]['md-id']; d['debug-tags'].pop(); }, pointer: P.mip(0), rule: 'mip.below-mep' },
  { name: 'MIP at the level of a MEP on its port', mutate: (d) => { d.cfm.mip[0]['md-level'] = 3; delete d.cfm.mip[0]['md-id']; d['debug-tags'].pop(); }, pointer: P.mip(0), rule: 'mp.same-level' },
  { name: 'down MEP above an up MEP (domains intersect)', mutate: (d) => { mepOf(d, 0).interface = 'p1'; }, pointer: P.mep(0), rule: 'mp.nesting' },
  { name: 'MIP level differs from its domain', mutate: (d) => { d.cfm.mip[0]['md-level'] = 7; d['debug-tags'].pop(); }, pointer: P.mip(0) + '/md-level', rule: 'mip.level-mismatch' },
  { name: 'MIP names an unknown domain', mutate: (d) => { d.cfm.mip[0]['md-id'] = 'ghost'; }, pointer: P.mip(0) + '/md-id', rule: 'mip.unknown-md' },
  { name: 'duplicate MIP', mutate: (d) => { d.cfm.mip.push({ interface: 'p1', 'md-level': 6, vid: 100 }); }, pointer: P.mip(1), rule: 'mip.duplicate' },
  { name: 'MEP port not on the board', mutate: (d) => { mepOf(d, 0).interface = 'p9'; }, pointer: P.mep(0) + '/interface', rule: 'port.unknown' },
  { name: 'MIP port not on the board', mutate: (d) => { d.cfm.mip[0].interface = 'eth7'; d['debug-tags'].pop(); }, pointer: P.mip(0) + '/interface', rule: 'port.unknown' },
  { name: 'board profile unknown', mutate: (d) => { d.board.profile = 'no-such-chip'; }, pointer: '/board/profile', rule: 'board.unknown-profile' },
  { name: 'MEP names an undeclared switch', mutate: (d) => { d.switches = [{ name: 'sw1' }]; for (const g of d.cfm['maintenance-group']) for (const m of g.mep) m.switch = 'sw1'; mepOf(d, 0).switch = 'sw9'; }, pointer: P.mep(0), rule: 'switch.unknown' },

  // ---- CPU protection and debug tags --------------------------------------------------------
  { name: 'level range backwards', mutate: (d) => { d['cpu-protection'].policy[0]['eth-cfm'][0].level = '7-5'; }, pointer: '/cpu-protection/policy/0/eth-cfm/0/level', rule: 'cpu.bad-range' },
  { name: 'opcode out of range', mutate: (d) => { d['cpu-protection'].policy[0]['eth-cfm'][0].opcode = '3,300'; }, pointer: '/cpu-protection/policy/0/eth-cfm/0/opcode', rule: 'cpu.bad-range' },
  { name: 'duplicate entry number', mutate: (d) => { d['cpu-protection'].policy[0]['eth-cfm'][1].entry = 10; }, pointer: '/cpu-protection/policy/0/eth-cfm/1/entry', rule: 'cpu.duplicate-entry' },
  { name: 'duplicate policy id', mutate: (d) => { d['cpu-protection'].policy.push({ 'policy-id': 1 }); }, pointer: '/cpu-protection/policy/1/policy-id', rule: 'cpu.duplicate-policy' },
  { name: 'binding to an undefined policy', mutate: (d) => { d['cpu-protection'].binding[0]['cpu-protection'] = 3; }, pointer: '/cpu-protection/binding/0/cpu-protection', rule: 'cpu.unknown-policy' },
  { name: 'eth-cfm-monitoring with mac-monitoring', mutate: (d) => { d['cpu-protection'].binding[0]['mac-monitoring'] = true; }, pointer: '/cpu-protection/binding/0/mac-monitoring', rule: 'cpu.monitoring-exclusive' },
  { name: 'eth-cfm-monitoring without a policy', mutate: (d) => { delete d['cpu-protection'].binding[0]['cpu-protection']; }, pointer: '/cpu-protection/binding/0/eth-cfm-monitoring', rule: 'cpu.monitoring-needs-policy' },
  { name: 'two bindings on one port+VLAN', mutate: (d) => { d['cpu-protection'].binding.push({ interface: 'p1', vid: 100, 'cpu-protection': 1 }); }, pointer: '/cpu-protection/binding/1', rule: 'cpu.duplicate-binding' },
  { name: 'binding port not on the board', mutate: (d) => { d['cpu-protection'].binding[0].interface = 'p7'; }, pointer: '/cpu-protection/binding/0/interface', rule: 'port.unknown' },
  { name: 'squelch level 9', mutate: (d) => { d['cpu-protection'].binding[0]['squelch-ingress-levels'] = '0-9'; }, pointer: '/cpu-protection/binding/0/squelch-ingress-levels', rule: 'cpu.bad-range' },
  { name: 'debug tag on an unknown MEP', mutate: (d) => { d['debug-tags'][0].mep['mep-id'] = 2; }, pointer: '/debug-tags/0/mep', rule: 'debug.unknown-mep' },
  { name: 'debug tag on an unknown MIP', mutate: (d) => { d['debug-tags'][1].mip['md-level'] = 5; }, pointer: '/debug-tags/1/mip', rule: 'debug.unknown-mip' },
  { name: 'debug tag with mep and mip', mutate: (d) => { d['debug-tags'][0].mip = { interface: 'p1', vid: 100, 'md-level': 6 }; }, pointer: '/debug-tags/0', rule: 'debug.one-target' },
];

describe('broken configs', () => {
  it('the base config is valid', () => {
    const r = load(base());
    expect(r.errors).toEqual([]);
    expect(r.model).not.toBeNull();
  });

  it(`the corpus has at least 40 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('$name -> $rule at $pointer', ({ mutate, pointer, rule }) => {
    const d = base();
    mutate(d);
    const r = load(d);
    expect(r.model).toBeNull();
    const hit = r.errors.find((e) => e.rule === rule && e.pointer === pointer);
    expect(hit, `got ${JSON.stringify(r.errors.map((e) => [e.pointer, e.rule]))}`).toBeDefined();
    // every issue of a YAML input has a file:line:column and a message
    for (const e of r.errors) {
      expect(e.location).toMatch(/^test\.yaml:\d+:\d+$/);
      expect(e.message.length).toBeGreaterThan(5);
      expect(e.hint, `${e.rule} has no hint`).toBeTruthy();
    }
  });
});
