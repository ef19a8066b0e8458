/** A small valid config (as data) that the broken-config table mutates one rule at a time. */
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/index.js';
import type { LoadResult } from '../../src/config/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = any;

export function base(): Doc {
  return {
    board: { name: 'b8', ports: ['p0', 'p1', 'p2', 'p3'] },
    cfm: {
      'maintenance-domain': [
        {
          'md-id': 'cust', 'char-string': 'Customer', 'md-level': 6,
          'maintenance-association': [
            { 'ma-id': 'svc100', 'char-string': 'SVC100', vid: 100, 'ccm-interval': '1sec', 'maintenance-association-mep': [{ 'mep-id': 1 }, { 'mep-id': 2 }] },
          ],
        },
        {
          'md-id': 'prov', 'dns-like-name': 'prov.example', 'md-level': 3,
          'maintenance-association': [
            { 'ma-id': 'evc1', 'primary-vid': 100, 'ccm-interval': '100ms', 'maintenance-association-mep': [10, 11, 12] },
            { 'ma-id': 'link', 'unsigned-int16': 7, 'ccm-interval': '10ms', 'maintenance-association-mep': [20, 21] },
          ],
        },
      ],
      'maintenance-group': [
        { 'maintenance-group-id': 'g-cust', 'md-id': 'cust', 'ma-id': 'svc100', mep: [{ 'mep-id': 1, interface: 'p0', direction: 'down', enabled: true, 'continuity-check': { 'ccm-enabled': true } }] },
        { 'maintenance-group-id': 'g-evc', 'md-id': 'prov', 'ma-id': 'evc1', mep: [{ 'mep-id': 10, interface: 'p1', direction: 'up', enabled: true }] },
        { 'maintenance-group-id': 'g-link', 'md-id': 'prov', 'ma-id': 'link', mep: [{ 'mep-id': 20, interface: 'p2', direction: 'down' }] },
      ],
      mip: [{ interface: 'p1', 'md-level': 6, vid: 100, 'md-id': 'cust' }],
    },
    'cpu-protection': {
      policy: [{ 'policy-id': 1, 'eth-cfm': [{ entry: 10, level: '5-7', opcode: '3,5', rate: 1 }, { entry: 20, level: '0-7', opcode: '0-255', rate: 0 }] }],
      binding: [{ interface: 'p1', vid: 100, 'cpu-protection': 1, 'eth-cfm-monitoring': { aggregate: true } }],
    },
    'debug-tags': [{ mep: { domain: 'cust', association: 'svc100', 'mep-id': 1 } }, { mip: { interface: 'p1', vid: 100, 'md-level': 6 } }],
  };
}

export function load(doc: Doc, fileName = 'test.yaml'): LoadResult {
  return parseConfig(stringify(doc), { fileName });
}

/** Shorthands into base(). */
export const P = {
  md: (i: number) => `/cfm/maintenance-domain/${i}`,
  ma: (i: number, j: number) => `/cfm/maintenance-domain/${i}/maintenance-association/${j}`,
  group: (i: number) => `/cfm/maintenance-group/${i}`,
  mep: (g: number, k = 0) => `/cfm/maintenance-group/${g}/mep/${k}`,
  mip: (i: number) => `/cfm/mip/${i}`,
};
