/**
 * PDU commands:
 *   cfm decode FILE.pcap [--json] [--lenient] [--cfm-only]
 *                                               decode every frame (text like an operator's debug log, or a JSON array)
 *   cfm decode --hex HEX [--json] [--lenient]   decode one frame given as hex (exit 1 when it is invalid)
 *   cfm craft OPCODE [options] [-o out.pcap]    write test frames (hex lines on stdout without -o)
 * Invalid frames in a capture are reported per frame (valid: false) and do not fail the command;
 * a file that is not a pcap/pcapng fails with a one-line error (exit 1).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CfmError, UsageError } from '../../common/errors.js';
import { parseInterval } from '../../common/interval.js';
import {
  craftFrame, encodeFrame, parseOpcode, pduOffsetOf, readPcap, renderDebug, toHex, writePcap,
  LINKTYPE_ETHERNET, type CraftOptions, type JsonObject, type VlanTag,
} from '../../pdu/index.js';

function parseHex(s: string): Uint8Array {
  const t = s.replace(/\s+/g, '').replace(/^0x/i, '');
  if (t.length === 0) throw new UsageError('--hex: no bytes given');
  if (!/^[0-9a-fA-F]*$/.test(t)) {
    const bad = t.search(/[^0-9a-fA-F]/);
    throw new UsageError(`--hex: '${t[bad]}' at position ${bad} is not a hex digit`);
  }
  if (t.length % 2) throw new UsageError(`--hex: odd number of hex digits (${t.length}); give whole bytes`);
  return Uint8Array.from(Buffer.from(t, 'hex'));
}

interface DecodeOpts { json?: boolean; hex?: string; lenient?: boolean; cfmOnly?: boolean }

function decodeCmd(file: string | undefined, opts: DecodeOpts): void {
  const out: { text: string; json: JsonObject; valid: boolean }[] = [];
  if (opts.hex !== undefined) {
    if (file) throw new UsageError('give either a capture file or --hex, not both');
    const r = renderDebug(parseHex(opts.hex), { lenient: opts.lenient, index: 1 });
    out.push(r);
  } else {
    if (!file) throw new UsageError('missing capture file (or --hex HEX)');
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new CfmError('PCAP', `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    let cap;
    try {
      cap = readPcap(bytes);
    } catch (e) {
      if (e instanceof CfmError) throw new CfmError('PCAP', `${file}: ${e.message}`);
      throw e;
    }
    let t0: number | undefined;
    cap.packets.forEach((pk, i) => {
      const time = pk.tsSec + pk.tsNsec / 1e9;
      t0 ??= time;
      // a capture of a whole link: other EtherTypes are not CFM frames to judge
      if (opts.cfmOnly && (pk.linkType !== LINKTYPE_ETHERNET || pduOffsetOf(pk.data) < 0)) return;
      if (pk.linkType !== LINKTYPE_ETHERNET) {
        const json: JsonObject = { index: i + 1, valid: false, error: { phase: 3, offset: 0, message: `link type ${pk.linkType} is not Ethernet (1)` } };
        out.push({ valid: false, json, text: `#${i + 1} INVALID link type ${pk.linkType} is not Ethernet` });
        return;
      }
      const r = renderDebug(pk.data, { lenient: opts.lenient, index: i + 1, timeSec: time - t0 });
      r.json.time = time;
      out.push(r);
    });
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify(out.map((r) => r.json), null, 2) + '\n');
  } else {
    const invalid = out.filter((r) => !r.valid).length;
    const body = out.map((r) => r.text).join('\n');
    const summary = opts.hex === undefined ? `\n${out.length} frame(s): ${out.length - invalid} valid, ${invalid} invalid\n` : '\n';
    process.stdout.write(body + summary);
  }
  // one frame given on the command line: its validity is the result; a capture: reported per frame
  process.exitCode = opts.hex !== undefined && !out[0].valid ? 1 : 0;
}

function intOpt(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = /^(0x[0-9a-f]+|\d+)$/i.test(v.trim()) ? Number(v.trim()) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be an integer ${min}..${max}, not '${v}'`);
    return n;
  };
}

/** --vlan [s]VID[/PCP]: 's' prefix = S-tag (0x88a8); repeat for two tags, outer first. */
function vlanOpt(v: string, prev: VlanTag[] = []): VlanTag[] {
  const m = /^(s|c)?(\d{1,4})(?:\/([0-7]))?$/i.exec(v.trim());
  if (!m || Number(m[2]) > 4095) throw new UsageError(`--vlan '${v}': expected [s|c]VID[/PCP], e.g. 100, s200/7`);
  if (prev.length >= 2) throw new UsageError('--vlan: at most two tags');
  return [...prev, { tpid: m[1]?.toLowerCase() === 's' ? 0x88a8 : 0x8100, pcp: m[3] ? Number(m[3]) : 7, dei: false, vid: Number(m[2]) }];
}

interface CraftCli {
  level?: number; mepId?: number; md?: string; ma?: string; interval?: string; rdi?: boolean; seq?: number;
  count: number; src?: string; dst?: string; vlan?: VlanTag[]; transactionId?: number; ttl?: number; target?: string;
  data?: string; portStatus?: number; ifStatus?: number; testId?: number; output?: string;
}

function craftCmd(opcodeArg: string, o: CraftCli): void {
  const opcode = parseOpcode(opcodeArg);
  if (opcode === undefined) throw new UsageError(`unknown opcode '${opcodeArg}' (a name like ccm, lbm, ltm, dmm, ais, or a number 0..255)`);
  let interval: number | undefined;
  if (o.interval !== undefined) {
    interval = parseInterval(o.interval);
    if (interval === undefined) throw new UsageError(`--interval '${o.interval}' is not one of 3.33ms 10ms 100ms 1s 10s 1min 10min (or 1..7)`);
  }
  const opts: CraftOptions = {
    level: o.level, mepId: o.mepId, md: o.md, ma: o.ma, interval, rdi: o.rdi, seq: o.seq, src: o.src, dst: o.dst,
    vlans: o.vlan, transactionId: o.transactionId, ttl: o.ttl, target: o.target,
    data: o.data !== undefined ? new TextEncoder().encode(o.data) : undefined,
    portStatus: o.portStatus, interfaceStatus: o.ifStatus, testId: o.testId,
  };
  const stepNs = interval ? [0, 3_333_333, 10e6, 100e6, 1e9, 10e9, 60e9, 600e9][interval] : 1e9;
  const frames: { data: Uint8Array; tsSec: number; tsNsec: number }[] = [];
  for (let i = 0; i < o.count; i++) {
    // frame i is sent i intervals after a fixed start; DM timestamps carry the same time
    const ns = i * stepNs;
    const time = { seconds: 1_700_000_000 + Math.floor(ns / 1e9), nanoseconds: Math.round(ns % 1e9) };
    const data = encodeFrame(craftFrame(opcode, { ...opts, time }, i));
    frames.push({ data, tsSec: time.seconds, tsNsec: time.nanoseconds });
  }
  if (o.output) {
    writeFileSync(o.output, writePcap(frames, { nanosecond: true }));
    process.stderr.write(`wrote ${frames.length} frame(s) to ${o.output}\n`);
  } else {
    process.stdout.write(frames.map((f) => toHex(f.data)).join('\n') + '\n');
  }
  process.exitCode = 0;
}

export function register(program: Command): void {
  program
    .command('decode')
    .description('decode CFM/Y.1731 frames from a pcap/pcapng file (or one frame with --hex), with the multi-phase validity check')
    .argument('[file]', 'capture file (pcap or pcapng, Ethernet)')
    .option('--json', 'print a JSON array, one object per frame')
    .option('--hex <hex>', 'decode one frame given as hex bytes (from the destination MAC, no FCS)')
    .option('--lenient', 'tolerate must-be-zero violations (reported as warnings)')
    .option('--cfm-only', 'skip frames of other EtherTypes (frame numbers stay those of the capture)')
    .action((file: string | undefined, opts: DecodeOpts) => decodeCmd(file, opts));

  program
    .command('craft')
    .description('write CFM/Y.1731 test frames for bring-up (pcap with -o, else hex lines)')
    .argument('<opcode>', 'opcode name (ccm, lbm, lbr, ltm, ltr, ais, lck, tst, aps, raps, mcc, lmm, lmr, 1dm, dmm, dmr, exm, exr, vsm, vsr, csf, 1sl, slm, slr, bnm) or number')
    .option('-o, --output <file>', 'write a pcap file')
    .option('--level <n>', 'MD level 0..7 (default 0)', intOpt('--level', 0, 7))
    .option('--mep-id <n>', 'MEPID 1..8191 (CCM, SLM/SLR/1SL source; default 1)', intOpt('--mep-id', 0, 0xffff))
    .option('--md <name>', 'MD name (character string); default: no MD name')
    .option('--ma <name>', 'short MA name (character string; default MA1)')
    .option('--interval <i>', 'CCM interval / AIS-LCK-CSF period: 3.33ms 10ms 100ms 1s 10s 1min 10min or 1..7 (default 1s)')
    .option('--rdi', 'set the CCM RDI flag')
    .option('--seq <n>', 'first sequence number (CCM, TST; counters)', intOpt('--seq', 0, 0xffffffff))
    .option('--count <n>', 'number of frames (seq / transaction id advance by one)', intOpt('--count', 1, 1_000_000), 1)
    .option('--src <mac>', 'source MAC (default 00:00:5e:00:53:01)')
    .option('--dst <mac>', 'destination MAC (default: the level multicast address, or 00:00:5e:00:53:02 for replies)')
    .option('--vlan <tag>', '[s|c]VID[/PCP]; repeat for a second tag (outer first)', vlanOpt)
    .option('--transaction-id <n>', 'LBM/LBR/LTM/LTR transaction id (default 1)', intOpt('--transaction-id', 0, 0xffffffff))
    .option('--ttl <n>', 'LTM/LTR TTL (default 64)', intOpt('--ttl', 0, 255))
    .option('--target <mac>', 'LTM target MAC / R-APS node id')
    .option('--data <text>', 'add a Data TLV with this text')
    .option('--port-status <n>', 'add a Port Status TLV (1 psBlocked, 2 psUp)', intOpt('--port-status', 0, 255))
    .option('--if-status <n>', 'add an Interface Status TLV (1 isUp .. 7 isLowerLayerDown)', intOpt('--if-status', 0, 255))
    .option('--test-id <n>', 'SLM/SLR/1SL test id', intOpt('--test-id', 0, 0xffffffff))
    .action((opcode: string, o: CraftCli) => craftCmd(opcode, o));
}
