/** Text of `cfm pm show` (docs/y1731.md): one block per PM session, newest interval last. */
import { table } from '../../offload/format.js';
import type { PmIntervalResult } from '../../offload/y1731/pm-interval.js';
import type { PmSessionStatus } from '../../offload/y1731/pm.js';

const ms = (ns: number) => (ns / 1e6).toFixed(3);
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

function row(label: string, r: PmIntervalResult, type: PmSessionStatus['type']): string[] {
  const base = [label, `${(r.measuredMs / 1000).toFixed(0)} s`, String(r.sent), String(r.received)];
  const suspect = r.suspect ? r.reasons.join(',') : '-';
  if (type === 'dmm') {
    return [...base,
      r.fd ? `${ms(r.fd.minNs)}/${ms(r.fd.avgNs)}/${ms(r.fd.maxNs)}` : '-',
      r.ifdv ? `${ms(r.ifdv.avgNs)}/${ms(r.ifdv.maxNs)}` : '-',
      r.fdBins.join('/'), r.ifdvBins.join('/'), suspect];
  }
  const l = r.loss!;
  return [...base, `${l.farEnd}/${l.farEndTx} (${pct(l.farEndRatio)})`, `${l.nearEnd}/${l.nearEndTx} (${pct(l.nearEndRatio)})`, suspect];
}

function bins(us: number[]): string {
  return ['0', ...us.map((x) => `${x / 1000}`)].map((x, i, a) => (i < a.length - 1 ? `[${x},${a[i + 1]})` : `[${x},inf)`)).join(' ');
}

export function pmShowText(list: PmSessionStatus[], historyN: number): string {
  if (!list.length) return 'no PM sessions';
  const blocks = list.map((s) => {
    const head = `PM session ${s.mep} ${s.id}: ${s.type.toUpperCase()} to ${s.target ?? '(peer MAC not known yet)'} every ${s.messagePeriodMs} ms, ${s.measurementIntervalMin} min intervals (${s.state})`;
    const rows = [...s.history.slice(historyN > 0 ? -historyN : s.history.length), s.current].map((r, i, a) => row(i === a.length - 1 ? `${r.start} (now)` : r.start, r, s.type));
    const cols = s.type === 'dmm'
      ? ['interval start', 'measured', 'sent', 'rcvd', 'FD min/avg/max ms', 'IFDV avg/max ms', 'FD bins', 'IFDV bins', 'suspect']
      : ['interval start', 'measured', 'sent', 'rcvd', 'far-end loss', 'near-end loss', 'suspect'];
    const lines = [head, `  placement: ${s.placement} (${s.reason})`];
    if (s.type === 'dmm') lines.push(`  FD bins (ms): ${bins(s.fdBinsUs)}; IFDV bins (ms): ${bins(s.ifdvBinsUs)}`);
    lines.push(...table(cols, rows).split('\n').map((l) => `  ${l}`));
    return lines.join('\n');
  });
  return blocks.join('\n\n');
}
