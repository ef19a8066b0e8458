/**
 * Long maintenance-domain entries of a YAML config are parsed in pieces (stream.ts domainPieces:
 * the domain's own text, then each association as the builder reaches it; issue 11 item 25):
 * the same model as the whole-document loader in the YAML layouts the splitter accepts, and the
 * whole loader's issues for any problem inside an association or the domain's own text.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { generateSpConfig } from '../../src/config/generate.js';
import { loadConfig, parseConfig } from '../../src/config/index.js';
import type { LoadResult } from '../../src/config/index.js';
import { splitYaml } from '../../src/config/split-yaml.js';
import { domainPieces, streamLoad } from '../../src/config/stream.js';
import { stringSource } from '../../src/config/text-source.js';
import type { Doc } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-config-stream-domain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const streams = (text: string): boolean => streamLoad(stringSource(text), { format: 'yaml', fileName: 'x.yaml', baseDir: dir }) !== undefined;

/** Streamed (string and file) and whole give the same result; returns it. */
function same(text: string, name: string): LoadResult {
  const whole = parseConfig(text, { fileName: join(dir, name), stream: false });
  expect(parseConfig(text, { fileName: join(dir, name) })).toEqual(whole);
  const f = join(dir, name);
  writeFileSync(f, text);
  expect(loadConfig(f)).toEqual(whole);
  return whole;
}

/** 2,000 MEPs: two domains of 1,000 associations (about 100 kB of YAML each). */
const doc = (): Doc => generateSpConfig({ meps: 2000 }) as Doc;

describe('long YAML domain entries in pieces', () => {
  const y = stringify(doc(), { lineWidth: 0 });

  it('the domains are long enough to be cut, and are cut', () => {
    const split = splitYaml(stringSource(y))!;
    const ranges = split.lists.get('cfm/maintenance-domain')!;
    let cut = 0;
    for (let k = 0; k < ranges.length; k += 2) {
      const p = domainPieces(y.slice(ranges[k], ranges[k + 1]), { format: 'yaml', fileName: 'x.yaml' });
      if (p) cut += (p.split.lists.get('d/maintenance-association')!.length / 2 >= 1000) ? 1 : 0;
    }
    expect(cut).toBe(2);
  });

  it('layouts: as written, indentless lists, comments and blank lines between associations, CRLF, the RESTCONF container', () => {
    const layouts: Array<[string, string]> = [
      ['plain.yaml', y],
      ['indentless.yaml', stringify(doc(), { lineWidth: 0, indentSeq: false })],
      ['comments.yaml', y.replace(/^( *)- ma-id/gm, '\n$1# an association\n$1- ma-id')],
      ['crlf.yaml', y.replace(/\n/g, '\r\n')],
      ['restconf.yaml', y.replace(/^cfm:/m, 'ieee802-dot1q-cfm:cfm:')],
      ['dash-alone.yaml', y.replace(/^( *)- md-id:/gm, '$1-\n$1  md-id:')], // `-` on a line of its own: parsed whole
    ];
    const model = same(y, 'ref.yaml').model;
    expect(model).not.toBeNull();
    for (const [name, text] of layouts) {
      expect({ name, streams: streams(text) }).toEqual({ name, streams: true });
      expect({ name, model: same(text, name).model }).toEqual({ name, model });
    }
  }, 120_000); // dozens of whole-document loads of a 2,000-MEP config: 10-35 s on a loaded 2-vCPU machine

  it('problems inside an association or in the domain\'s own text: the whole loader\'s issues', () => {
    const d = doc();
    const ma = d.cfm['maintenance-domain'][1]['maintenance-association'][500];
    const line = `- ma-id: ${String(ma['ma-id'])}\n`;
    expect(y.includes(line)).toBe(true);
    const cases: Array<[string, string]> = [
      ['schema.yaml', y.replace(line, `${line}        colour: red\n`)],
      ['interval.yaml', y.replace(line, `${line}        ccm-interval: 2sec\n`)],
      ['dup-key.yaml', y.replace(line, `${line}        ma-id: again\n`)],
      ['deep.yaml', y.replace(line, `${line}        deep: ${'['.repeat(70)}${']'.repeat(70)}\n`)],
      ['alias.yaml', y.replace(line, `- &m ma-id: ${String(ma['ma-id'])}\n`).replace(/(- ma-id: )(\S+)\n(?![\s\S]*- ma-id: )/, '$1*m\n')],
      ['token.yaml', y.replace(line, `${line}        vid: [1\n`)],
      ['domain-dup-key.yaml', y.replace(/^( *)maintenance-association:\n/m, '$1md-level: 2\n$1md-level: 3\n$1maintenance-association:\n')],
      ['domain-two-lists.yaml', y.replace(/^( *)maintenance-association:\n/m, '$1maintenance-association: []\n$1maintenance-association:\n')],
      ['domain-schema.yaml', y.replace(/^( *)maintenance-association:\n/m, '$1md-level: 9\n$1maintenance-association:\n')],
    ];
    for (const [name, text] of cases) {
      expect({ name, changed: text !== y }).toEqual({ name, changed: true });
      expect({ name, streams: streams(text) }).toEqual({ name, streams: false });
      const r = same(text, name);
      expect({ name, valid: r.model !== null }).toEqual({ name, valid: false });
    }
  }, 120_000);
});
