/**
 * Config texts several test suites run on the mock board (mock-default profile).
 */

/** Two up MEPs of one MA (d/a, level 5, VLAN 100, 100 ms) on p1.100 and p2.100 of one switch. */
export const TWO_UP_MEPS = [
  'board: { name: b, profile: mock-default }',
  'cfm:',
  '  maintenance-domain:',
  '    - md-id: d',
  '      md-level: 5',
  '      maintenance-association:',
  '        - { ma-id: a, char-string: A, vid: 100, ccm-interval: 100ms, maintenance-association-mep: [1, 2] }',
  '  maintenance-group:',
  '    - maintenance-group-id: g',
  '      md-id: d',
  '      ma-id: a',
  '      mep:',
  '        - { mep-id: 1, interface: p1, direction: up, enabled: true, mac-address: 02-00-00-00-00-01, continuity-check: { ccm-enabled: true } }',
  '        - { mep-id: 2, interface: p2, direction: up, enabled: true, mac-address: 02-00-00-00-00-02, continuity-check: { ccm-enabled: true } }',
  '',
].join('\n');

/**
 * The `config:` section of a two-switch simulator scenario: MEP 1 on a:p1 and MEP 2 on b:p1
 * (MD d level 2, MA m, 1 s), indented by `indent` spaces for where it sits in the scenario;
 * `mep1` adds fields to MEP 1 (ending in ", ").
 */
export function twoMepScenarioConfig(indent = 0, mep1 = ''): string {
  const body = `config:
  switches: [ { name: a }, { name: b } ]
  cfm:
    maintenance-domain:
      - md-id: d
        char-string: D
        md-level: 2
        maintenance-association:
          - { ma-id: m, char-string: M, ccm-interval: 1sec, maintenance-association-mep: [1, 2] }
    maintenance-group:
      - maintenance-group-id: g
        md-id: d
        ma-id: m
        mep:
          - { mep-id: 1, switch: a, interface: p1, direction: down, enabled: true, ${mep1}continuity-check: { ccm-enabled: true } }
          - { mep-id: 2, switch: b, interface: p1, direction: down, enabled: true, continuity-check: { ccm-enabled: true } }
`;
  return body.split('\n').map((l) => (l ? ' '.repeat(indent) + l : l)).join('\n');
}
