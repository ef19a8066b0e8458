/**
 * PDU commands:
 *   cfm decode FILE.pcap [--json | --json-lines] [--lenient] [--cfm-only]
 *                                               decode every frame (text like an operator's debug log, a JSON
 *                                               array or JSON lines), streamed: memory stays bounded
 *   cfm decode --hex HEX [--json] [--lenient]   decode one frame given as hex (exit 1 when it is invalid)
 *   cfm craft OPCODE [options] [-o out.pcap]    write test frames (hex lines on stdout without -o)
 * Invalid frames in a capture are reported per frame (valid: false) and do not fail the command;
 * a file that is not a pcap/pcapng fails with a one-line error (exit 1).
 */
import { outputFileArg } from './args.js';
import { closeSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CfmError, UsageError } from '../../common/errors.js';
import { parseInterval } from '../../common/interval.js';
import {
  craftFrame, encodeFrame, parseOpcode, pduOffsetOf, renderDebug, toHex, writePcap, PcapError, PcapReader,
  LINKTYPE_ETHERNET, type CraftOptions, type PcapPacket, type VlanTag,
} from '../../pdu/index.js';
import { FrameJsonWriter } from '../../pdu/json-lines.js';

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

interface DecodeOpts { json?: boolean; jsonLines?: boolean; hex?: string; lenient?: boolean; cfmOnly?: boolean }

/**
 * Output in pieces of about OUT_CHUNK characters: a capture of a million frames is never held in
 * memory. A slow reader (a pipe to `less`, `jq`) makes stdout queue writes: the producer waits
 * for 'drain' then, so the queue stays at one piece.
 */
const OUT_CHUNK = 1 << 20;

class Out {
  private parts: string[] = [];
  private size = 0;
  /** The reader went away (`cfm decode --json-lines big.pcap | head`): stop, no EPIPE crash. */
  closed = false;
  private readonly onError = (e: NodeJS.ErrnoException): void => {
    if (e.code !== 'EPIPE') throw e;
    this.closed = true;
  };
  constructor() {
    process.stdout.on('error', this.onError);
  }
  dispose(): void {
    process.stdout.off('error', this.onError);
  }
  /** Queue a piece of text; true when the caller should `await drained()` before more. */
  add(s: string): boolean {
    this.parts.push(s);
    this.size += s.length;
    return this.size >= OUT_CHUNK && !this.flush();
  }
  /** Write what is queued; false when stdout's buffer is full. */
  flush(): boolean {
    if (!this.parts.length || this.closed) return true;
    const ok = process.stdout.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    return ok;
  }
  drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        process.stdout.off('drain', done);
        process.stdout.off('close', done);
        process.stdout.off('error', done);
        resolve();
      };
      process.stdout.on('drain', done);
      process.stdout.on('close', done);
      process.stdout.on('error', done);
    });
  }
}

/** A capture file read through a window (PcapReader): memory stays bounded whatever its size. */
function openCapture(file: string): { reader: PcapReader; close(): void } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new CfmError('PCAP', `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const st = fstatSync(fd);
  if (st.isDirectory()) {
    closeSync(fd);
    throw new CfmError('PCAP', `${file}: is a directory, not a capture file`);
  }
  const size = st.size;
  const src = { size, read: (buf: Uint8Array, off: number, len: number, pos: number) => readSync(fd, buf, off, len, pos) };
  try {
    return { reader: new PcapReader(src, false), close: () => closeSync(fd) };
  } catch (e) {
    closeSync(fd);
    if (e instanceof CfmError) throw new CfmError('PCAP', `${file}: ${e.message}`);
    throw e;
  }
}

interface Shown { valid: boolean; text: string }

/** One frame of a capture for the output (undefined: skipped by --cfm-only). */
function showPacket(pk: PcapPacket, index: number, t0: number, opts: DecodeOpts, json: FrameJsonWriter | null): Shown | undefined {
  // a capture of a whole link: other EtherTypes are not CFM frames to judge
  if (opts.cfmOnly && (pk.linkType !== LINKTYPE_ETHERNET || pduOffsetOf(pk.data) < 0)) return undefined;
  if (pk.linkType !== LINKTYPE_ETHERNET) {
    if (json) return { valid: false, text: JSON.stringify({ index, valid: false, error: { phase: 3, offset: 0, message: `link type ${pk.linkType} is not Ethernet (1)` } }) };
    return { valid: false, text: `#${index} INVALID link type ${pk.linkType} is not Ethernet` };
  }
  const time = pk.tsSec + pk.tsNsec / 1e9;
  if (json) {
    const r = json.line(pk.data, index, time);
    return { valid: r.valid, text: r.json };
  }
  return renderDebug(pk.data, { lenient: opts.lenient, index, timeSec: time - t0 });
}

async function decodeCmd(file: string | undefined, opts: DecodeOpts): Promise<void> {
  if (opts.json && opts.jsonLines) throw new UsageError('give --json (one array) or --json-lines (one object per line), not both');
  const mode = opts.jsonLines ? 'lines' : opts.json ? 'array' : 'text';
  if (opts.hex !== undefined) {
    if (file) throw new UsageError('give either a capture file or --hex, not both');
    const r = renderDebug(parseHex(opts.hex), { lenient: opts.lenient, index: 1, text: mode === 'text' });
    if (mode === 'array') process.stdout.write(JSON.stringify([r.json], null, 2) + '\n');
    else if (mode === 'lines') process.stdout.write(JSON.stringify(r.json) + '\n');
    else process.stdout.write(r.text + '\n');
    // one frame given on the command line: its validity is the result
    process.exitCode = r.valid ? 0 : 1;
    return;
  }
  if (!file) throw new UsageError('missing capture file (or --hex HEX)');
  const { reader, close } = openCapture(file);
  const out = new Out();
  const json = mode === 'text' ? null : new FrameJsonWriter(opts.lenient === true);
  let frames = 0;
  let invalid = 0;
  try {
    let t0: number | undefined;
    if (mode === 'array') out.add('[');
    for (let pk = reader.next(), i = 1; pk; pk = reader.next(), i++) {
      t0 ??= pk.tsSec + pk.tsNsec / 1e9;
      const r = showPacket(pk, i, t0, opts, json);
      if (!r) continue;
      if (!r.valid) invalid++;
      const line = mode === 'text' ? (frames ? '\n' : '') + r.text
        : mode === 'lines' ? r.text + '\n'
        : (frames ? ',\n' : '\n') + r.text; // the array: one frame per line too, a reader can stream it as well
      frames++;
      if (out.add(line)) await out.drained();
      if (out.closed) break;
    }
    if (mode === 'array') out.add('\n]\n');
    else if (mode === 'text') out.add(`\n${frames} frame(s): ${frames - invalid} valid, ${invalid} invalid\n`);
  } catch (e) {
    // a cut or corrupt capture: the frames before the bad record are out already
    if (e instanceof PcapError) throw new CfmError('PCAP', `${file}: ${e.message}`);
    throw e;
  } finally {
    out.flush();
    out.dispose();
    close();
  }
  // a capture: invalid frames are reported per frame
  process.exitCode = 0;
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
    try {
      writeFileSync(outputFileArg('-o', o.output), writePcap(frames, { nanosecond: true }));
    } catch (e) {
      if (e instanceof CfmError) throw e;
      throw new CfmError('PCAP', `cannot write ${o.output}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`); // EACCES, ENOSPC, ...
    }
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
    .option('--json', 'print a JSON array, one object per frame (one per line, streamed)')
    .option('--json-lines', 'print one JSON object per frame per line (JSON lines)')
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
