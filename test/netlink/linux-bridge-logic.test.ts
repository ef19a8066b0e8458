/**
 * The linux-bridge backend's kernel-independent logic: instance derivation and the key map,
 * the sticky-flag ledger (status dumps clear every bridge's seen flags), events from status
 * snapshots, and VoeSpec -> bridge CFM commands.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyMap, foreignKey, instanceForKey } from '../../src/backends/linux-bridge/keymap.js';
import { SeenLedger, StatusTracker } from '../../src/backends/linux-bridge/status.js';
import { ccmTxOf, createCommands, specFromKernel, validateSpec } from '../../src/backends/linux-bridge/spec.js';
import type { BridgeCfmInfo, PeerStatusInfo } from '../../src/netlink/bridge-cfm.js';
import type { VoeSpec } from '../../src/backends/types.js';
import { CfmError } from '../../src/common/errors.js';

const spec: VoeSpec = {
  key: 'md1/ma1/mep1', port: 'v0', direction: 'down', level: 5, vlan: 0, unicastMac: '02-00-00-00-00-01', mepId: 1,
  maid: new Uint8Array(48).fill(3), interval: 4, priority: 7, peers: [2, 3], ccmTx: true, ccmRx: true, seqUpdate: true,
  rdi: false, portStatusTlv: 2, interfaceStatusTlv: 0,
};

describe('instances and the key map', () => {
  it('derives the instance from the key (FNV-1a, 31 bits), the same on every run', () => {
    expect(instanceForKey('md1/ma1/mep1')).toBe(instanceForKey('md1/ma1/mep1'));
    expect(instanceForKey('')).toBe(0x811c9dc5 & 0x7fffffff);
    expect(instanceForKey('a')).toBe(0xe40c292c & 0x7fffffff);
    expect(instanceForKey('md1/ma1/mep1')).not.toBe(instanceForKey('md1/ma1/mep2'));
  });

  it('resolves collisions, persists, reloads, renames and forgets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfm-keys-'));
    const file = join(dir, 'br0.json');
    const m = new KeyMap('br0', file);
    const h = instanceForKey('k1');
    expect(m.allocate('k1', new Set())).toBe(h);
    // the hashed instance is taken in the kernel by something else: next free one
    expect(m.allocate('k2', new Set([instanceForKey('k2')]))).toBe(instanceForKey('k2') + 1);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { version: number; bridge: string; entries: Record<string, string> };
    expect(saved).toEqual({ version: 1, bridge: 'br0', entries: { [String(h)]: 'k1', [String(instanceForKey('k2') + 1)]: 'k2' } });
    const again = new KeyMap('br0', file);
    expect(again.keyOf(h)).toBe('k1');
    again.rename(h, 'k1-renamed');
    expect(new KeyMap('br0', file).keyOf(h)).toBe('k1-renamed');
    again.retain(new Set([h]));
    expect(new KeyMap('br0', file).keyOf(instanceForKey('k2') + 1)).toBeUndefined();
    // a map written for another bridge is not used
    expect(new KeyMap('br1', file).keyOf(h)).toBeUndefined();
    expect(foreignKey('br0', 7)).toBe('linux-bridge:br0/7');
  });

  it('a corrupt key map is a CONFIG error naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfm-keys-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"version":1,"bridge":"br0","entries":{"x":"k"}}');
    expect(() => new KeyMap('br0', file)).toThrow(`linux-bridge key map ${file}: bad entry "x": "k"`);
    writeFileSync(file, 'nope');
    expect(() => new KeyMap('br0', file)).toThrowError(CfmError);
  });
});

function peer(over: Partial<PeerStatusInfo>): PeerStatusInfo {
  return { instance: 10, peerMepId: 2, ccmDefect: false, rdi: false, portTlvValue: 0, ifTlvValue: 0, seen: false, tlvSeen: false, seqUnexpSeen: false, ...over };
}

function info(bridge: number, peers: PeerStatusInfo[]): BridgeCfmInfo {
  return { bridgeIfindex: bridge, mepCreate: [], mepConfig: [], ccConfig: [], rdi: [], ccmTx: [], peers: [], mepStatus: [{ instance: peers[0]?.instance ?? 10, opcodeUnexpSeen: false, versionUnexpSeen: false, rxLevelLowSeen: false }], peerStatus: peers };
}

describe('status tracking', () => {
  it('LOC and RDI changes become raise/clear events per peer', () => {
    const ledger = new SeenLedger();
    const t = new StatusTracker('', 4, ledger);
    t.add(10);
    const owned = new Set([10]);
    const step = (p: PeerStatusInfo[]): unknown[] => {
      ledger.record('', info(4, p));
      return t.ingest(info(4, p).mepStatus, p, owned, 1000).map((e) => [e.kind, e.peerMepId, e.active]);
    };
    expect(step([peer({ seen: true })])).toEqual([]);
    expect(step([peer({ ccmDefect: true })])).toEqual([['loc', 2, true]]);
    expect(step([peer({ ccmDefect: true })])).toEqual([]);
    expect(step([peer({ rdi: true, seen: true })])).toEqual([['loc', 2, false], ['rdi', 2, true]]);
    expect(step([peer({ seen: true })])).toEqual([['rdi', 2, false]]);
    // instances we do not own produce nothing
    expect(t.ingest([], [peer({ instance: 11, ccmDefect: true })], owned, 0)).toEqual([]);
  });

  it('another bridge\'s dump clears the kernel flags, the ledger keeps them for their owner', () => {
    const ledger = new SeenLedger();
    const a = new StatusTracker('', 4, ledger);
    const b = new StatusTracker('', 5, ledger);
    a.add(10);
    b.add(20);
    // A dumps: the kernel reports B's peer seen (and clears it), then B's own dump sees 0.
    ledger.record('', info(4, [peer({ instance: 10 })]));
    ledger.record('', info(5, [peer({ instance: 20, peerMepId: 1, seen: true, tlvSeen: true, portTlvValue: 2, ifTlvValue: 1 })]));
    const bNow = [peer({ instance: 20, peerMepId: 1 })];
    ledger.record('', info(5, bNow));
    b.ingest([], bNow, new Set([20]), 0);
    expect(b.take(20, [1]).peers[0]).toMatchObject({ seen: true, portStatusTlv: 2, interfaceStatusTlv: 1, loc: false, mac: null });
    // seen means "since creation": stays true; a re-created MEP starts over
    expect(b.take(20, [1]).peers[0].seen).toBe(true);
    b.add(20);
    expect(b.take(20, [1]).peers[0].seen).toBe(false);
  });
});

describe('VoeSpec -> bridge CFM', () => {
  it('create commands: one message, first peer inside, DA from the level, TLVs from the spec', () => {
    const cmds = createCommands(10, 3, spec, 30);
    expect(cmds.map((c) => c.cmd)).toEqual(['mepCreate', 'mepConfig', 'ccConfig', 'rdi', 'ccmTx', 'peerMepAdd']);
    expect(cmds[1].value).toEqual({ instance: 10, unicastMac: '02:00:00:00:00:01', mdLevel: 5, mepId: 1 });
    expect(ccmTxOf(10, spec, 30)).toEqual({ instance: 10, dmac: '01:80:c2:00:00:35', seqNoUpdate: true, periodS: 30, ifTlv: false, ifTlvValue: 0, portTlv: true, portTlvValue: 2 });
    expect(ccmTxOf(10, { ...spec, ccmTx: false }, 30).periodS).toBe(0);
  });

  it('reads a kernel MEP back as the same spec', () => {
    const cmds = createCommands(10, 3, { ...spec, peers: [2] }, 30);
    const k: BridgeCfmInfo = {
      bridgeIfindex: 4,
      mepCreate: [cmds[0].value as never], mepConfig: [cmds[1].value as never], ccConfig: [cmds[2].value as never],
      rdi: [cmds[3].value as never], ccmTx: [cmds[4].value as never], peers: [cmds[5].value as never], mepStatus: [], peerStatus: [],
    };
    const back = specFromKernel(k, 10, (i) => (i === 3 ? 'v0' : '?'), spec.key, 7)!;
    expect({ ...back, maid: Array.from(back.maid) }).toEqual({ ...spec, unicastMac: '02:00:00:00:00:01', peers: [2], maid: Array.from(spec.maid) });
  });

  it('refuses what the kernel cannot do, naming the field', () => {
    const v = (s: Partial<VoeSpec>): CfmError => {
      try {
        validateSpec({ ...spec, ...s }, ['v0']);
      } catch (e) {
        return e as CfmError;
      }
      throw new Error('accepted');
    };
    expect(v({ direction: 'up' })).toMatchObject({ code: 'UNSUPPORTED' });
    expect(v({ vlan: 10 })).toMatchObject({ code: 'UNSUPPORTED' });
    expect(v({ interval: 2 }).message).toBe("linux-bridge: VOE 'md1/ma1/mep1': interval 10ms is faster than the kernel's timers honour (>= 100ms)");
    expect(v({ port: 'v9' }).message).toMatch(/'v9' is not a port of this bridge \(v0\)/);
    expect(v({ key: 'x'.repeat(64) }).message).toMatch(/longer than 63 bytes/);
    expect(v({ peers: [1] }).message).toMatch(/own MEPID 1/);
  });
});
