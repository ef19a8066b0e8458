/**
 * PDU codec rates (issue 2): decode+validate and encode, PDUs per second on one core, for CCM
 * (allocation-free fast path and full decoder), LBM, LTM, DMM and a mixed capture covering every
 * opcode; Wireshark's tshark on the same mixed capture as a reference when it is installed.
 * Each figure is the best of several timed batches after a warm-up (JIT), as PDUs per CPU-second
 * of this process (process.cpuUsage: the rate on one core even when the machine is shared); the
 * wall-clock rate is in the note. A calibration row (summing the bytes of a 101-byte frame in a
 * plain loop) shows how fast this machine is right now: compare ratios, not absolute numbers.
 * The fast CCM path and the calibration loop run in alternating batches (same conditions) and
 * the note gives the median batch and the median ratio of each pair as well.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchRow } from './run.js';
import {
  decodeCcmFast, decodeFrame, encodeFrame, newCcmView, patchCcm, writePcap, type CfmFrame,
} from '../src/pdu/index.js';
import { sampleCorpus } from '../src/pdu/samples.js';

export const name = 'pdu';

interface Rate { cpu: number; wall: number }

/** Best rates (ops per CPU-second and per wall-second) over `batches` batches of `n` calls of fn(i). */
function rate(n: number, batches: number, fn: (i: number) => void): Rate {
  for (let i = 0; i < n; i++) fn(i); // warm-up
  const best: Rate = { cpu: 0, wall: 0 };
  for (let b = 0; b < batches; b++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    const cpu = Math.max((c.user + c.system) / 1e6, 1e-6);
    best.cpu = Math.max(best.cpu, n / cpu);
    best.wall = Math.max(best.wall, n / wall);
  }
  return best;
}

/** Best rates of `batches` runs of a self-contained loop returning its iteration count (first run = warm-up). */
function timed(batches: number, loop: () => number): Rate {
  loop();
  const best: Rate = { cpu: 0, wall: 0 };
  for (let b = 0; b < batches; b++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const n = loop();
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    best.cpu = Math.max(best.cpu, n / Math.max((c.user + c.system) / 1e6, 1e-6));
    best.wall = Math.max(best.wall, n / wall);
  }
  return best;
}

/**
 * `batches` rounds of loop a then loop b (each returns its iteration count) after one warm-up
 * round: best rates of each, a's median rate and the median of a's rate / b's rate per round.
 */
function paired(batches: number, a: () => number, b: () => number): { fast: Rate; cal: Rate; fastMedian: number; ratioMedian: number } {
  a();
  b();
  const fast: Rate = { cpu: 0, wall: 0 };
  const cal: Rate = { cpu: 0, wall: 0 };
  const fastRates: number[] = [];
  const ratios: number[] = [];
  const one = (loop: () => number, best: Rate): number => {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const n = loop();
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    const cpuRate = n / Math.max((c.user + c.system) / 1e6, 1e-6);
    best.cpu = Math.max(best.cpu, cpuRate);
    best.wall = Math.max(best.wall, n / wall);
    return cpuRate;
  };
  for (let i = 0; i < batches; i++) {
    const ra = one(a, fast);
    const rb = one(b, cal);
    fastRates.push(ra);
    ratios.push(ra / rb);
  }
  const median = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)];
  return { fast, cal, fastMedian: median(fastRates), ratioMedian: median(ratios) };
}

function row(name: string, r: Rate, extra: Partial<BenchRow> = {}): BenchRow {
  return { case: name, value: r.cpu, unit: 'PDUs/s', note: `wall ${(r.wall / 1e6).toFixed(2)}M/s`, ...extra };
}

let sink = 0;

export async function run(): Promise<BenchRow[]> {
  const corpus = sampleCorpus();
  const frameOf = (n: string): CfmFrame => corpus.find((c) => c.name === n)!.frame;
  const rows: BenchRow[] = [];
  // 64 CCMs with different seq/MEPIDs so the loop does not see one constant buffer
  const ccmFrames = Array.from({ length: 64 }, (_, i) => {
    const f = structuredClone(frameOf('CCM RDI + status TLVs'));
    if (f.pdu.opcode === 1) { f.pdu.seq = i * 7919; f.pdu.mepId = 1 + i; }
    return encodeFrame(f);
  });
  // the fast path as an engine's receive loop calls it: a direct, monomorphic call site
  const view = newCcmView();
  const fastLoop = () => {
    const N = 1_000_000;
    for (let i = 0; i < N; i++) if (decodeCcmFast(ccmFrames[i & 63], view)) sink += view.seq;
    return N;
  };
  const calLoop = () => {
    const N = 1_000_000;
    for (let i = 0; i < N; i++) { const b = ccmFrames[i & 63]; let x = 0; for (let k = 0; k < b.length; k++) x += b[k]; sink += x; }
    return N;
  };
  // On a shared 2-vCPU VM the rate of one batch moves by 30-50 % with what the other vCPU runs:
  // many short batches of the fast path and the calibration loop, alternating, so both see the
  // same conditions; the best batch is the figure, the median and the paired ratio say how
  // steady it was.
  const { fast, cal, fastMedian, ratioMedian } = paired(15, fastLoop, calLoop);
  rows.push({ ...row('calibration: sum the 101 bytes of a frame (plain loop)', cal), unit: 'frames/s' });
  rows.push(row('decode+validate CCM (decodeCcmFast, 101-byte tagged CCM + 2 TLVs)', fast, {
    target: '>= 10e6', met: fast.cpu >= 10e6,
    note: `wall ${(fast.wall / 1e6).toFixed(2)}M/s; median of 15 batches ${(fastMedian / 1e6).toFixed(2)}M/s; ${ratioMedian.toFixed(2)}x the calibration loop (median of pairs)`,
  }));
  rows.push(row('decode+validate CCM (decodeFrame)', rate(200_000, 5, (i) => { sink += decodeFrame(ccmFrames[i & 63]).pdu.level; })));
  for (const n of ['LBM', 'LTM', 'DMM']) {
    const b = encodeFrame(frameOf(n));
    rows.push(row(`decode+validate ${n} (decodeFrame)`, rate(200_000, 5, () => { sink += decodeFrame(b).pdu.level; })));
  }
  const tx = ccmFrames[0].slice();
  rows.push(row('CCM transmit: patchCcm (seq + RDI on an encoded frame)', timed(5, () => {
    const N = 2_000_000;
    for (let i = 0; i < N; i++) patchCcm(tx, 18, i, (i & 1) === 1);
    sink += tx[22];
    return N;
  })));
  for (const n of ['CCM RDI + status TLVs', 'LBM', 'LTM', 'DMM']) {
    const f = frameOf(n);
    rows.push(row(`encode ${n.split(' ')[0]} (encodeFrame)`, rate(200_000, 5, () => { sink += encodeFrame(f).length; })));
  }
  // mixed capture: every opcode of the corpus, repeated
  const mixed = corpus.map((c) => encodeFrame(c.frame));
  const m = mixed.length;
  rows.push(row(`decode+validate mixed capture (${m} frames: every opcode)`, rate(100_000, 5, (i) => { sink += decodeFrame(mixed[i % m]).pdu.level; })));

  const haveTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
  rows.push(...decodeVsTshark(frameOf('CCM RDI + status TLVs'), haveTshark));
  if (haveTshark) {
    const dir = mkdtempSync(join(tmpdir(), 'cfm-bench-'));
    try {
      const N = 100_000;
      const file = join(dir, 'mixed.pcap');
      writeFileSync(file, writePcap(Array.from({ length: N }, (_, i) => ({ data: mixed[i % m] }))));
      // /usr/bin/time-free CPU measure: the child's user+system time from /proc via `bash -c times`
      const t0 = process.hrtime.bigint();
      const r = spawnSync('bash', ['-c', `tshark -r '${file}' -T fields -e cfm.opcode >/dev/null 2>&1; times`], { encoding: 'utf8' });
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      if (r.status !== 0) throw new Error('tshark failed');
      // `times` prints the shell's then its children's user/system times: "0m1.234s 0m0.100s"
      const lines = r.stdout.trim().split('\n');
      const secs = (lines.at(-1) ?? '').split(/\s+/).map((x) => { const mm = /(\d+)m([\d.]+)s/.exec(x); return mm ? Number(mm[1]) * 60 + Number(mm[2]) : 0; });
      const cpu = Math.max(secs.reduce((a, b) => a + b, 0), 1e-6);
      rows.push({ case: `tshark -T fields, same mixed capture (${N} frames, incl. start-up)`, value: N / cpu, unit: 'PDUs/s', note: `reference; wall ${(N / wall / 1e3).toFixed(1)}k/s` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    rows.push({ case: 'tshark reference', value: NaN, unit: 'PDUs/s', note: 'tshark not installed' });
  }
  if (sink === 0.5) console.log(sink); // keep results observable
  return rows;
}

/** User + system seconds of the children of `bash -c "CMD; times"` (the last line of `times`). */
function childCpuSeconds(stdout: string): number {
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return last.split(/\s+/).reduce((n, x) => {
    const mm = /(\d+)m([\d.]+)s/.exec(x);
    return n + (mm ? Number(mm[1]) * 60 + Number(mm[2]) : 0);
  }, 0);
}

/** A classic pcap of `n` CCMs (16 MEPs of one MA, seq counting up) written in 1 MB pieces. */
function writeCcmCapture(file: string, ccm: CfmFrame, n: number): void {
  const frames = Array.from({ length: 16 }, (_, i) => {
    const f = structuredClone(ccm);
    if (f.pdu.opcode === 1) f.pdu.mepId = 1 + i;
    return encodeFrame(f);
  });
  const fd = openSync(file, 'w');
  try {
    const head = Buffer.alloc(24);
    head.writeUInt32LE(0xa1b2c3d4, 0);
    head.writeUInt16LE(2, 4);
    head.writeUInt16LE(4, 6);
    head.writeUInt32LE(65535, 16);
    head.writeUInt32LE(1, 20);
    writeSync(fd, head);
    const chunk = Buffer.alloc(1 << 20);
    let o = 0;
    for (let i = 0; i < n; i++) {
      const fr = frames[i & 15];
      patchCcm(fr, 18, i >>> 4, false);
      if (o + 16 + fr.length > chunk.length) { writeSync(fd, chunk, 0, o); o = 0; }
      chunk.writeUInt32LE(1_700_000_000 + Math.floor(i / 1000), o);
      chunk.writeUInt32LE((i % 1000) * 1000, o + 4);
      chunk.writeUInt32LE(fr.length, o + 8);
      chunk.writeUInt32LE(fr.length, o + 12);
      chunk.set(fr, o + 16);
      o += 16 + fr.length;
    }
    writeSync(fd, chunk, 0, o);
  } finally {
    closeSync(fd);
  }
}

/**
 * `cfm decode --json-lines` against `tshark -T fields` on the same 1 M-CCM capture, in the same
 * run: whole-process CPU seconds of each (start-up included, output to /dev/null), the ratio, and
 * the peak RSS of cfm (target: < 200 MB, >= 3x tshark's rate).
 */
function decodeVsTshark(ccm: CfmFrame, haveTshark: boolean): BenchRow[] {
  const N = 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'cfm-bench-decode-'));
  try {
    const file = join(dir, 'ccm-1m.pcap');
    writeCcmCapture(file, ccm, N);
    const root = fileURLToPath(new URL('..', import.meta.url));
    const dist = join(root, 'dist', 'cli', 'main.js');
    // the built CLI as users run it (bin/cfm.js); from the sources through tsx when not built
    const entry = existsSync(dist) ? dist : join(root, 'src', 'cli', 'main.ts');
    const loader = existsSync(dist) ? '' : '--import tsx ';
    const script = `const { main } = await import(${JSON.stringify(pathToFileURL(entry).href)}); ` +
      `const code = await main(['node', 'cfm', 'decode', '--json-lines', ${JSON.stringify(file)}]); ` +
      `process.stderr.write('maxrss ' + process.resourceUsage().maxRSS + ' code ' + code + '\\n');`;
    const t0 = process.hrtime.bigint();
    const r = spawnSync('bash', ['-c', `'${process.execPath}' ${loader}--input-type=module -e "$CFM_SCRIPT" >/dev/null; times`], {
      encoding: 'utf8', cwd: root, env: { ...process.env, CFM_SCRIPT: script },
    });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const m = /maxrss (\d+) code (\d+)/.exec(r.stderr);
    if (!m || m[2] !== '0') throw new Error(`cfm decode failed: ${r.stderr.slice(0, 500)}`);
    const cpu = Math.max(childCpuSeconds(r.stdout), 1e-6);
    const rssMb = Number(m[1]) / 1024;
    const rows: BenchRow[] = [
      { case: 'cfm decode --json-lines, 1 M CCMs (whole process, output to /dev/null)', value: N / cpu, unit: 'frames/s', note: `${cpu.toFixed(2)} CPU s, wall ${(N / wall / 1e3).toFixed(0)}k/s` },
      { case: 'cfm decode --json-lines, 1 M CCMs: peak RSS', value: rssMb, unit: 'MB', target: '< 200', met: rssMb < 200 },
    ];
    if (!haveTshark) {
      rows.push({ case: 'cfm decode vs tshark -T fields (1 M CCMs)', value: NaN, unit: 'x', note: 'tshark not installed' });
      return rows;
    }
    const fields = ['frame.number', 'frame.time_epoch', 'eth.dst', 'eth.src', 'vlan.id', 'cfm.md.level', 'cfm.opcode', 'cfm.flags', 'cfm.ccm.seq.num', 'cfm.ccm.ma.ep.id', 'cfm.maid.ma.name.string', 'cfm.tlv.port.status.value', 'cfm.tlv.port.interface.value'];
    const t1 = process.hrtime.bigint();
    const ts = spawnSync('bash', ['-c', `tshark -r '${file}' -T fields ${fields.map((f) => `-e ${f}`).join(' ')} >/dev/null 2>&1; times`], { encoding: 'utf8' });
    const tsWall = Number(process.hrtime.bigint() - t1) / 1e9;
    if (ts.status !== 0) throw new Error('tshark failed');
    const tsCpu = Math.max(childCpuSeconds(ts.stdout), 1e-6);
    rows.push({ case: `tshark -T fields (${fields.length} fields), same 1 M CCMs`, value: N / tsCpu, unit: 'frames/s', note: `${tsCpu.toFixed(2)} CPU s, wall ${(N / tsWall / 1e3).toFixed(0)}k/s` });
    rows.push({ case: 'cfm decode --json-lines / tshark -T fields (CPU time ratio)', value: tsCpu / cpu, unit: 'x', target: '>= 3', met: tsCpu / cpu >= 3, note: `wall ratio ${(tsWall / wall).toFixed(2)}x` });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
