/** YANG defaults, defer resolution and accepted spellings end up right in the model. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';

const minimal = `
cfm:
  maintenance-domain:
    - md-id: d1
      maintenance-association:
        - { ma-id: a1, primary-vid: 42, maintenance-association-mep: [5, 6, 7] }
  maintenance-group:
    - maintenance-group-id: g
      md-id: d1
      ma-id: a1
      mep: [ { mep-id: 5, interface: eth0, direction: down, inactive-remote-mep: [ { inactive-rmep-id: 7 } ] } ]
`;

describe('defaults', () => {
  it('fills the YANG defaults', () => {
    const r = parseConfig(minimal, { fileName: 'm.yaml' });
    expect(r.errors).toEqual([]);
    const d = r.model!.domains[0];
    expect(d.name).toEqual({ format: 4, name: 'DEFAULT' });
    expect(d.level).toBe(0);
    expect(d.mhfCreation).toBe('none');
    expect(d.senderIdPermission).toBe('none');
    const a = d.associations[0];
    expect(a.interval).toBe(4); // 1sec
    expect(a.vlan).toBe(42); // primary-vid names the service VLAN
    expect(a.mhfCreation).toBe('none'); // mhf-defer -> domain
    const m = a.meps[0];
    expect(m).toMatchObject({
      key: 'd1/a1/5', groupId: 'g', switch: 'default', enabled: false, ccmEnabled: false, ccmLtmPriority: 7,
      lowestAlarmPriority: 2, fngAlarmTimeMs: 2500, fngResetTimeMs: 10000, portStatusTlv: false,
      interfaceStatusTlv: false, senderIdPermission: 'none', placement: 'auto', remoteMepIds: [6],
    });
    expect(m.macAddress).toBeUndefined();
    expect(r.model!.switches).toEqual([{ name: 'default' }]);
    expect(r.model!.board).toBeUndefined();
  });

  it('accepts the RESTCONF top-level name, interval spellings and plain MEP id lists', () => {
    const text = JSON.stringify({
      'ieee802-dot1q-cfm:cfm': {
        'maintenance-domain': [{
          'md-id': 'x', none: [null], 'md-level': 2, 'id-permission': 'send-id-chassis',
          'maintenance-association': [
            { 'ma-id': 'a', 'vpn-id': { 'vpn-oui': 0x00a0c9, 'vpn-index': 77 }, 'ccm-interval': '300hz', 'maintenance-association-mep': [{ 'mep-id': 1 }] },
            { 'ma-id': 'b', 'unsigned-int16': 9, 'ccm-interval': 7, vid: 9, 'maintenance-association-mep': [1] },
            { 'ma-id': 'c', 'char-string': 'c', 'ccm-interval': '3.33ms', 'mhf-creation': 'mhf-default' },
          ],
        }],
        'maintenance-group': [{ 'maintenance-group-id': 'g', 'md-id': 'x', 'ma-id': 'a', mep: [{ 'mep-id': 1, interface: 'e1', direction: 'up', 'mac-address': '02-AA-bb-00-00-01', 'id-permission': 'send-id-defer' }] }],
      },
    });
    const r = parseConfig(text, { fileName: 'x.json' });
    expect(r.errors).toEqual([]);
    const [a, b, c] = r.model!.domains[0].associations;
    expect(a.interval).toBe(1);
    expect(a.name).toEqual({ format: 4, oui: 0x00a0c9, index: 77 });
    expect(Array.from(a.maid.subarray(0, 4))).toEqual([1, 4, 7, 0x00]);
    expect(b.interval).toBe(7);
    expect(b.vlan).toBe(9);
    expect(c.interval).toBe(1);
    expect(c.mhfCreation).toBe('default');
    expect(c.vlan).toBe(0);
    const m = a.meps[0];
    expect(m.macAddress).toBe('02:aa:bb:00:00:01');
    expect(m.senderIdPermission).toBe('chassis'); // defer -> MA (defer) -> MD
  });
});
