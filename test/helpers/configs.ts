/**
 * Config texts several test suites run on the mock board (mock-default profile), and the parts
 * they are built of (mockBoardConfig, maItem, groupItem, mepItem).
 */

/**
 * A config for board b (mock-default) with MD d at `level`: the MA items `mas` (maItem), the
 * maintenance-group items `groups` (groupItem), then `tail` lines (more of `cfm:` at two spaces,
 * such as `  mip:`, or top-level sections such as `debug-tags:`).
 */
export function mockBoardConfig(level: number, mas: readonly string[], groups: readonly string[], tail: readonly string[] = []): string {
  return [
    'board: { name: b, profile: mock-default }',
    'cfm:',
    '  maintenance-domain:',
    '    - md-id: d',
    `      md-level: ${level}`,
    '      maintenance-association:',
    ...mas,
    '  maintenance-group:',
    ...groups,
    ...tail,
    '',
  ].join('\n');
}

/** An MA item of MD d: `id` (char-string its upper case), VLAN `vid`, `interval` (YANG name) and its MEP IDs. */
export function maItem(id: string, vid: number, interval: string, mepIds: readonly number[]): string {
  return `        - { ma-id: ${id}, char-string: ${id.toUpperCase()}, vid: ${vid}, ccm-interval: ${interval}, maintenance-association-mep: [${mepIds.join(', ')}] }`;
}

/** A maintenance-group item `group` of MD d and MA `ma` with the MEP items `meps` (mepItem). */
export function groupItem(group: string, ma: string, meps: readonly string[]): string {
  return `    - { maintenance-group-id: ${group}, md-id: d, ma-id: ${ma}, mep: [ ${meps.join(', ')} ] }`;
}

/**
 * An enabled MEP `id` sending CCMs on `port`, MAC 02-00-00-00-00-<macId> (two digits; default
 * the MEP ID); `extra` adds fields (", offload: software").
 */
export function mepItem(id: number, port: string, direction: 'up' | 'down', extra = '', macId = id): string {
  const mac = `02-00-00-00-00-${String(macId).padStart(2, '0')}`;
  return `{ mep-id: ${id}, interface: ${port}, direction: ${direction}, enabled: true, mac-address: ${mac}, continuity-check: { ccm-enabled: true }${extra} }`;
}

/** Two up MEPs of one MA (d/a, level 5, VLAN 100, 100 ms) on p1.100 and p2.100 of one switch. */
export const TWO_UP_MEPS = mockBoardConfig(5, [maItem('a', 100, '100ms', [1, 2])], [groupItem('g', 'a', [mepItem(1, 'p1', 'up'), mepItem(2, 'p2', 'up')])]);

/**
 * One MEP (md1/ma1, level 4, 1 s, MEPs 1 and 2; MEP 1 down on swp1 with CCM priority 5 unless
 * `direction` says up) with the YANG fields `fields` added, as the Y.1731 config tests parse it.
 */
export function oneMepDoc(fields: string, direction: 'up' | 'down' = 'down'): string {
  return `
cfm:
  maintenance-domain:
    - { md-id: md1, char-string: MD1, md-level: 4, maintenance-association: [{ ma-id: ma1, char-string: MA1, ccm-interval: 1sec, maintenance-association-mep: [1, 2] }] }
  maintenance-group:
    - maintenance-group-id: g
      md-id: md1
      ma-id: ma1
      mep:
        - { mep-id: 1, interface: swp1, direction: ${direction}, enabled: true, ccm-ltm-priority: 5, ${fields} }
`;
}

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
