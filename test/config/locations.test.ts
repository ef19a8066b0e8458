/** Issues point at the right place in the file: JSON pointer plus file:line:column. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROFILE_DIR } from '../../src/profiles/index.js';
import { ConfigError, formatIssue, loadConfig, loadConfigOrThrow, parseConfig } from '../../src/config/index.js';

const yaml = [
  'cfm:',                                   // 1
  '  maintenance-domain:',                  // 2
  '    - md-id: d1',                        // 3
  '      md-level: 9',                      // 4
  '      maintenance-association:',         // 5
  '        - ma-id: a1',                    // 6
  '          char-string: A1',              // 7
  '          ccm-intervall: 1sec',          // 8
].join('\n');

describe('locations', () => {
  it('schema issues carry the YAML line:column of the offending key', () => {
    const r = parseConfig(yaml, { fileName: 'cfg.yaml' });
    expect(r.model).toBeNull();
    const level = r.errors.find((e) => e.pointer === '/cfm/maintenance-domain/0/md-level')!;
    expect(level).toMatchObject({ rule: 'schema.maximum', location: 'cfg.yaml:4:7' });
    const typo = r.errors.find((e) => e.rule === 'schema.additionalProperties')!;
    expect(typo).toMatchObject({ pointer: '/cfm/maintenance-domain/0/maintenance-association/0/ccm-intervall', location: 'cfg.yaml:8:11' });
    expect(typo.hint).toContain('ccm-interval');
    expect(formatIssue(level)).toBe('cfg.yaml:4:7 /cfm/maintenance-domain/0/md-level: 9 must be <= 7 [schema.maximum] (hint: use a value <= 7)');
  });

  it('semantic issues are located too', () => {
    const text = [
      'cfm:',
      '  maintenance-domain:',
      '    - { md-id: d1, md-level: 2, maintenance-association: [ { ma-id: a1, char-string: A1, maintenance-association-mep: [1, 2] } ] }',
      '  maintenance-group:',
      '    - maintenance-group-id: g1',
      '      md-id: d1',
      '      ma-id: a1',
      '      mep:',
      '        - mep-id: 3',
      '          interface: e0',
      '          direction: down',
    ].join('\n');
    const r = parseConfig(text, { fileName: 's.yaml' });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ pointer: '/cfm/maintenance-group/0/mep/0/mep-id', rule: 'mep.not-in-ma', location: 's.yaml:9:11' });
    expect(r.errors[0].hint).toContain('add {mep-id: 3}');
  });

  it('YAML syntax errors carry line:column', () => {
    const r = parseConfig('cfm:\n  maintenance-domain:\n    - md-id: [d1\n', { fileName: 'bad.yaml' });
    expect(r.model).toBeNull();
    expect(r.errors[0].rule).toBe('syntax');
    expect(r.errors[0].location).toMatch(/^bad\.yaml:\d+:\d+$/);
  });

  it('duplicate YAML keys are syntax errors', () => {
    const r = parseConfig('cfm: {}\ncfm: {}\n', { fileName: 'dup.yaml' });
    expect(r.errors[0]).toMatchObject({ rule: 'syntax', location: 'dup.yaml:2:1' });
  });

  it('JSON inputs get line:column as well', () => {
    const json = '{\n  "cfm": {\n    "maintenance-domain": [\n      { "md-id": "d1", "md-level": 12 }\n    ]\n  }\n}\n';
    const r = parseConfig(json, { fileName: 'c.json' });
    expect(r.errors[0]).toMatchObject({ pointer: '/cfm/maintenance-domain/0/md-level', location: 'c.json:4:24' });
    const bad = parseConfig('{\n  "cfm": {,\n}', { fileName: 'b.json' });
    expect(bad.errors[0]).toMatchObject({ rule: 'syntax', location: 'b.json:2:11' });
  });

  it('a missing file is an error, and loadConfigOrThrow throws a ConfigError with every issue', () => {
    expect(loadConfig('/nonexistent/x.yaml').errors[0]).toMatchObject({ rule: 'file' });
    try {
      loadConfigOrThrow('/nonexistent/x.yaml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).code).toBe('CONFIG');
      expect((err as ConfigError).issues).toHaveLength(1);
    }
  });
});

describe('board profile paths', () => {
  it('a relative profile path is found from the config file directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfm-board-'));
    const prof = JSON.parse(readFileSync(join(PROFILE_DIR, 'mock-default.json'), 'utf8')) as Record<string, unknown>;
    prof.name = 'my-board';
    prof.ports = ['a', 'b'];
    prof['port-count'] = 2;
    mkdirSync(join(dir, 'profiles'));
    writeFileSync(join(dir, 'profiles', 'my-board.json'), JSON.stringify(prof));
    const cfg = join(dir, 'c.yaml');
    writeFileSync(cfg, 'board: { profile: profiles/my-board.json }\ncfm: { mip: [ { interface: c, md-level: 1 } ] }\n');
    const r = loadConfig(cfg);
    expect(r.errors.map((e) => e.rule)).toEqual(['port.unknown']);
    expect(r.errors[0].hint).toBe('ports of the board: a, b');
  });
});
