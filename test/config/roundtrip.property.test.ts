/**
 * Property: any valid config the generator below can build loads, exports and loads again to an
 * equal model (YAML and JSON), across every MD/MA name format, interval spelling and MEP option.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { exportConfigText, parseConfig } from '../../src/config/index.js';

const printable = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/);
const mdName = fc.oneof(
  fc.constant({ none: [null] }),
  printable.map((s) => ({ 'dns-like-name': `${s}.example` })),
  fc.record({ address: fc.constantFrom('00-11-22-33-44-55', '02:aa:bb:cc:dd:ee'), int: fc.integer({ min: 0, max: 65535 }) }).map((x) => ({ 'mac-address-and-uint-type': x })),
  printable.map((s) => ({ 'char-string': s })),
);
const maName = (i: number) => fc.oneof(
  fc.constant({ 'primary-vid': 100 + i }),
  printable.map((s) => ({ 'char-string': `${s}-${i}` })),
  fc.constant({ 'unsigned-int16': 1000 + i }),
  fc.integer({ min: 0, max: 0xffffff }).map((oui) => ({ 'vpn-id': { 'vpn-oui': oui, 'vpn-index': i } })),
);
const interval = fc.constantFrom('300hz', '10ms', '100ms', '1sec', '10sec', '1min', '10min', '3.33ms', '1s', 1, 7);
const mepOpts = fc.record({
  direction: fc.constantFrom('down', 'up'),
  enabled: fc.boolean(),
  'ccm-ltm-priority': fc.integer({ min: 0, max: 7 }),
  'continuity-check': fc.record({
    'ccm-enabled': fc.boolean(),
    'lowest-priority-defect': fc.constantFrom('all-def', 'mac-remote-error-xcon', 'remote-error-xcon', 'error-xcon', 'xcon', 'no-xcon'),
    'fng-alarm-time': fc.integer({ min: 2500, max: 10000 }),
    'fng-reset-time': fc.integer({ min: 2500, max: 10000 }),
  }, { requiredKeys: [] }),
  'port-status-tlv': fc.boolean(),
  'interface-status-tlv': fc.boolean(),
  'id-permission': fc.constantFrom('send-id-none', 'send-id-chassis', 'send-id-defer'),
  offload: fc.constantFrom('auto', 'hardware', 'software'),
}, { requiredKeys: ['direction'] });

// Domains at distinct levels, one MA each on its own VLAN, MEPs on distinct ports: always valid.
const config = fc.integer({ min: 1, max: 4 }).chain((nd) => fc.tuple(
  ...Array.from({ length: nd }, (_, i) => fc.record({
    md: mdName, ma: maName(i), interval, mhf: fc.constantFrom('mhf-none', 'mhf-default', 'mhf-explicit'),
    meps: fc.array(mepOpts, { minLength: 0, maxLength: 3 }), remotes: fc.integer({ min: 0, max: 3 }),
  })),
)).map((ds) => ({
  cfm: {
    'maintenance-domain': ds.map((d, i) => ({
      'md-id': `md${i}`, ...d.md, 'md-level': i * 2, 'mhf-creation': d.mhf,
      'maintenance-association': [{ 'ma-id': `ma${i}`, ...d.ma, vid: 100 + i, 'ccm-interval': d.interval,
        'maintenance-association-mep': Array.from({ length: d.meps.length + d.remotes }, (_, k) => k + 1) }],
    })),
    'maintenance-group': ds.map((d, i) => ({
      'maintenance-group-id': `g${i}`, 'md-id': `md${i}`, 'ma-id': `ma${i}`,
      mep: d.meps.map((m, k) => ({ 'mep-id': k + 1, interface: `p${i}-${k}`, ...m })),
    })),
  },
}));

describe('round trip (property)', () => {
  it('load -> export -> load gives the same model', () => {
    fc.assert(fc.property(config, (doc) => {
      const r = parseConfig(stringify(doc), { fileName: 'gen.yaml' });
      expect(r.errors).toEqual([]);
      const m = r.model!;
      expect(parseConfig(exportConfigText(m, 'yaml'), { fileName: 'x.yaml' }).model).toEqual(m);
      expect(parseConfig(exportConfigText(m, 'json'), { fileName: 'x.json' }).model).toEqual(m);
    }), { numRuns: 60 });
  });
});
