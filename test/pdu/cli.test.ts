/** `cfm decode` / `cfm craft`: output, exit codes and error messages (in-process via main(), plus one spawned run). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureCliOutput, cfm, err, out, clearOut, clearErr } from '../helpers/cli.js';
import { decodeFrame, readPcap, writePcap, type CcmPdu } from '../../src/pdu/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sample = join(root, 'examples', 'pcap', 'sample.pcap');
const tmp = mkdtempSync(join(tmpdir(), 'cfm-pdu-cli-'));

captureCliOutput();

const KERNEL_CCM_FRAME = '0180c2000035' + '00005e005301' + '8902' + 'a0018446000000070' + '00a0102034d4131' + '00'.repeat(42) + '00'.repeat(16) + '020001020400010100';

describe('cfm decode FILE', () => {
  it('prints one block per frame and a summary; invalid frames are reported, not fatal', async () => {
    expect(await cfm('decode', sample)).toBe(0);
    expect(out).toMatch(/^#1 0\.000000 CCM 00:00:5e:00:53:0a > 01:80:c2:00:00:35 vlan 50 pcp 7 len 101$/m);
    expect(out).toMatch(/seq 2 mep-id 20 maid md "Provider" \/ ma "MA_VPLS_50"/);
    expect(out).toMatch(/flags 0x84 \[RDI interval 1s\]/);
    expect(out).toMatch(/#5 .*INVALID .*\n {4}phase 4 \(opcode structure\) at byte 26: MEPID 0x8014 has reserved/);
    expect(out).toMatch(/LTR 00:00:5e:00:53:63 > 00:00:5e:00:53:0a/);
    expect(out).toMatch(/DMR [^\n]*\n[^\n]*\n[^\n]*\(frame delay 42\.300us\)/);
    expect(out.trimEnd().split('\n').at(-1)).toBe('14 frame(s): 13 valid, 1 invalid');
    expect(err).toBe('');
  });

  it('--json: an array with index, valid, error, header and fixed fields by name, TLVs', async () => {
    expect(await cfm('decode', sample, '--json')).toBe(0);
    const frames = JSON.parse(out) as Record<string, unknown>[];
    expect(frames).toHaveLength(14);
    expect(frames[0]).toMatchObject({
      index: 1, valid: true, dst: '01:80:c2:00:00:35', src: '00:00:5e:00:53:0a', vlans: [{ tpid: 0x8100, pcp: 7, dei: false, vid: 50 }],
      level: 5, version: 0, opcode: 1, opcodeName: 'CCM', flags: 4, firstTlvOffset: 70,
      seq: 1, mepId: 10, rdi: false, interval: 4,
      maid: { mdFormat: 4, mdName: 'Provider', maFormat: 2, maName: 'MA_VPLS_50' },
      tlvs: [{ type: 2, length: 1, value: 2, valueName: 'psUp' }, { type: 4, length: 1, value: 1, valueName: 'isUp' }],
    });
    expect(frames[4]).toMatchObject({ index: 5, valid: false, error: { phase: 4, offset: 26, message: expect.stringMatching(/^MEPID 0x8014/) } });
    const ltm = frames.find((f) => f.opcodeName === 'LTM')!;
    expect(ltm).toMatchObject({ transactionId: 2001, ttl: 64, originMac: '00:00:5e:00:53:0a', targetMac: '00:00:5e:00:53:14', tlvs: [{ type: 7, length: 8 }] });
    const dmr = frames.find((f) => f.opcodeName === 'DMR')!;
    expect(dmr).toMatchObject({ txTimestampF: { seconds: 1763900001, nanoseconds: 700000000 }, rxTimestampB: { seconds: 1763900001, nanoseconds: 700044800 } });
  });

  it('--lenient decodes the MBZ frame with a warning', async () => {
    expect(await cfm('decode', sample, '--json', '--lenient')).toBe(0);
    const frames = JSON.parse(out) as Record<string, unknown>[];
    expect(frames[4]).toMatchObject({ valid: true, mepId: 0x8014, warnings: [{ phase: 4, offset: 26 }] });
  });

  it('a file that is not a capture: one line on stderr, exit 1', async () => {
    const f = join(tmp, 'notes.txt');
    writeFileSync(f, 'hello, this is not a pcap');
    expect(await cfm('decode', f)).toBe(1);
    expect(err).toBe(`cfm: ${f}: pcap: at byte 0: magic 0x68656c6c is not a pcap or pcapng file\n`);
    expect(out).toBe('');
  });

  it('a truncated capture: the byte offset of the cut, exit 1', async () => {
    const f = join(tmp, 'cut.pcap');
    // record 1 is 16 + 101 bytes from byte 24; record 2's header starts at 141
    writeFileSync(f, readFileSync(sample).subarray(0, 150));
    expect(await cfm('decode', f)).toBe(1);
    expect(err).toBe(`cfm: ${f}: pcap: at byte 141: file ends inside a packet record header (9 of 16 bytes)\n`);
    clearErr();
    writeFileSync(f, readFileSync(sample).subarray(0, 100));
    expect(await cfm('decode', f)).toBe(1);
    expect(err).toBe(`cfm: ${f}: pcap: at byte 40: packet of 101 bytes runs past the end of the file (60 left)\n`);
  });

  it('--cfm-only skips frames of other EtherTypes and keeps the capture numbering', async () => {
    const cap = readPcap(readFileSync(sample));
    const ip = Uint8Array.from([...cap.packets[0].data.subarray(0, 12), 0x08, 0x00, 0x45, 0, 0, 20]);
    const f = join(tmp, 'mixed.pcap');
    writeFileSync(f, writePcap([{ data: ip }, { data: cap.packets[0].data }]));
    expect(await cfm('decode', f, '--json')).toBe(0);
    expect((JSON.parse(out) as { valid: boolean; error?: { phase: number } }[]).map((x) => [x.valid, x.error?.phase])).toEqual([[false, 3], [true, undefined]]);
    clearOut();
    expect(await cfm('decode', f, '--cfm-only')).toBe(0);
    expect(out).toMatch(/^#2 /);
    expect(out.trimEnd().split('\n').at(-1)).toBe('1 frame(s): 1 valid, 0 invalid');
  });

  it('a missing file: exit 1', async () => {
    expect(await cfm('decode', join(tmp, 'nope.pcap'))).toBe(1);
    expect(err).toMatch(/nope\.pcap: no such file/);
  });
});

describe('cfm decode --hex', () => {
  it('decodes one frame (the kernel-style golden CCM)', async () => {
    expect(await cfm('decode', '--hex', KERNEL_CCM_FRAME)).toBe(0);
    expect(out).toMatch(/^#1 CCM 00:00:5e:00:53:01 > 01:80:c2:00:00:35 len 97\n/);
    expect(out).toMatch(/flags 0x84 \[RDI interval 1s\]/);
    expect(out).toMatch(/seq 7 mep-id 10 maid md \(none\) \/ ma "MA1"/);
  });

  it('an invalid frame: its phase, offset and reason, exit 1', async () => {
    const bad = '0180c2000033' + KERNEL_CCM_FRAME.slice(12); // level 3 DA for a level 5 CCM
    expect(await cfm('decode', '--hex', bad, '--json')).toBe(1);
    const [f] = JSON.parse(out) as Array<Record<string, unknown>>;
    expect(f).toMatchObject({ index: 1, valid: false, length: 97, dst: '01:80:c2:00:00:33', src: '00:00:5e:00:53:01', error: { phase: 2, offset: 5, message: 'multicast DA 01:80:c2:00:00:33 is for level 3 but the PDU is level 5' } });
    // what the frame says besides: the fields read past the failure (item 22)
    expect(f).toMatchObject({ level: 5, opcodeName: 'CCM', seq: 7, mepId: 10, rdi: true });
  });

  it('odd length or non-hex: a clear usage error, exit 2', async () => {
    expect(await cfm('decode', '--hex', 'abc')).toBe(2);
    expect(err).toBe('cfm: --hex: odd number of hex digits (3); give whole bytes\n');
    clearErr();
    expect(await cfm('decode', '--hex', '01zz')).toBe(2);
    expect(err).toBe("cfm: --hex: 'z' at position 2 is not a hex digit\n");
  });
});

describe('cfm craft', () => {
  it('writes CCMs with the given options to a pcap that decodes back', async () => {
    const f = join(tmp, 'ccm.pcap');
    expect(await cfm('craft', 'ccm', '--level', '3', '--mep-id', '42', '--md', 'Cust', '--ma', 'svc7', '--interval', '100ms', '--rdi', '--seq', '10', '--count', '3', '--vlan', 's100/5', '--vlan', '200', '--port-status', '2', '-o', f)).toBe(0);
    expect(err).toBe(`wrote 3 frame(s) to ${f}\n`);
    const cap = readPcap(readFileSync(f));
    expect(cap.packets).toHaveLength(3);
    expect(cap.packets[1].tsNsec - cap.packets[0].tsNsec).toBe(100_000_000);
    const frames = cap.packets.map((p) => decodeFrame(p.data));
    expect(frames.map((x) => (x.pdu as CcmPdu).seq)).toEqual([10, 11, 12]);
    expect(frames[0]).toMatchObject({
      dst: '01:80:c2:00:00:33', vlans: [{ tpid: 0x88a8, vid: 100, pcp: 5 }, { tpid: 0x8100, vid: 200, pcp: 7 }],
      pdu: { opcode: 1, level: 3, mepId: 42, flags: 0x83, tlvs: [{ type: 2, value: 2 }] },
    });
    clearOut();
    expect(await cfm('decode', f, '--json')).toBe(0);
    expect(JSON.parse(out)[0]).toMatchObject({ maid: { mdName: 'Cust', maName: 'svc7' }, rdi: true, interval: 3 });
  });

  it('crafts every opcode by name and number; all frames are valid', async () => {
    for (const op of ['ccm', 'lbm', 'lbr', 'ltm', 'ltr', 'ais', 'lck', 'tst', 'aps', 'raps', 'mcc', 'lmm', 'lmr', '1dm', 'dmm', 'dmr', 'exm', 'exr', 'vsm', 'vsr', 'csf', '1sl', 'slm', 'slr', 'bnm', '47']) {
      clearOut();
      expect(await cfm('craft', op, '--level', '2', '--data', 'x'), op).toBe(0);
      const hex = out.trim();
      expect(() => decodeFrame(Uint8Array.from(Buffer.from(hex, 'hex'))), op).not.toThrow();
    }
    clearOut();
    expect(await cfm('craft', 'ltm', '--target', '00:00:5e:00:53:99', '--ttl', '9')).toBe(0);
    expect(decodeFrame(Uint8Array.from(Buffer.from(out.trim(), 'hex'))).pdu).toMatchObject({ opcode: 5, ttl: 9, targetMac: '00:00:5e:00:53:99' });
  });

  it('bad arguments: usage errors with exit 2', async () => {
    expect(await cfm('craft', 'nonsense')).toBe(2);
    expect(err).toMatch(/unknown opcode 'nonsense'/);
    clearErr();
    expect(await cfm('craft', 'ccm', '--level', '9')).toBe(2);
    expect(err).toBe("cfm: --level must be an integer 0..7, not '9'\n");
    clearErr();
    expect(await cfm('craft', 'ccm', '--interval', '2s')).toBe(2);
    expect(err).toMatch(/--interval '2s' is not one of/);
    clearErr();
    expect(await cfm('craft', 'ccm', '--src', 'zz')).toBe(1);
    expect(err).toMatch(/--src 'zz' is not a MAC address/);
  });
});

describe('the real process', () => {
  it('a non-pcap file: one line on stderr, exit 1, no stack trace', () => {
    const f = join(tmp, 'x.bin');
    writeFileSync(f, Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0]));
    const code = `import(${JSON.stringify(join(root, 'src/cli/main.ts'))}).then(async (m) => { process.exitCode = await m.main(['node', 'cfm', ...process.argv.slice(1)]); })`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code, 'decode', f], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`cfm: ${f}: pcap: at byte 6: file ends inside the 24-byte pcap global header\n`);
    expect(r.stdout).toBe('');
  });
});
