/**
 * Changing a kernel MEP in place, from what the kernel holds (read back), never from a remembered
 * spec: another tool may have changed the MEP (a peer removed, TX stopped), and a diff against a
 * stale cache would send commands the kernel refuses (ENOENT) or skip ones it needs. An update
 * that fails midway converges back to the state read before it (issue 11 item 17).
 *
 * Only what differs is sent: any CC_CONFIG resets the kernel's sequence numbers, and an identical
 * CC_CCM_TX is the keep-alive (it extends the end time) that the backend's timer already sends.
 */
import { CfmError } from '../../common/errors.js';
import type { BridgeCfmInfo, CcmTx, CfmCommand } from '../../netlink/bridge-cfm.js';
import type { VoeSpec } from '../types.js';
import type { BridgeCfmKernel } from './kernel.js';
import { ccConfigOf, ccmTxOf, createCommands, mepConfigOf, sameMaid, specFromKernel } from './spec.js';

export interface MepTarget {
  kernel: BridgeCfmKernel;
  instance: number;
  periodS: number;
  portName: (ifindex: number) => string;
  portIndex: (name: string) => number;
}

function sameTx(a: CcmTx | undefined, b: CcmTx): boolean {
  if (!a) return false;
  return (
    a.dmac === b.dmac && a.seqNoUpdate === b.seqNoUpdate && a.periodS > 0 === b.periodS > 0 &&
    a.ifTlv === b.ifTlv && (!b.ifTlv || a.ifTlvValue === b.ifTlvValue) &&
    a.portTlv === b.portTlv && (!b.portTlv || a.portTlvValue === b.portTlvValue)
  );
}

/** The commands that take the MEP from `cur` (read back) to `want`, without the peer changes. */
export function changeCommands(instance: number, info: BridgeCfmInfo, cur: VoeSpec, want: VoeSpec, periodS: number): CfmCommand[] {
  const cmds: CfmCommand[] = [];
  if (want.level !== cur.level || want.mepId !== cur.mepId || want.unicastMac.toLowerCase().replace(/-/g, ':') !== cur.unicastMac) {
    cmds.push({ cmd: 'mepConfig', value: mepConfigOf(instance, want) });
  }
  if (want.ccmRx !== cur.ccmRx || want.interval !== cur.interval || !sameMaid(want.maid, cur.maid)) {
    cmds.push({ cmd: 'ccConfig', value: ccConfigOf(instance, want) });
  }
  if (want.rdi !== cur.rdi) cmds.push({ cmd: 'rdi', value: { instance, rdi: want.rdi } });
  const tx = ccmTxOf(instance, want, periodS);
  // A CCM_TX read back with PERIOD 0 (ran out, or stopped) and wanted on is (re)started here.
  if (!sameTx(info.ccmTx.find((t) => t.instance === instance), tx)) cmds.push({ cmd: 'ccmTx', value: tx });
  return cmds;
}

/** Reads the MEP back; undefined when it is not in the kernel. */
export async function readBack(t: MepTarget, key: string, priority: number): Promise<{ info: BridgeCfmInfo; spec: VoeSpec } | undefined> {
  const info = await t.kernel.dump({ config: true });
  const spec = specFromKernel(info, t.instance, t.portName, key, priority);
  return spec ? { info, spec } : undefined;
}

/**
 * Makes the kernel MEP match `want`, starting from a read-back (`rb`, else a fresh one); a MEP
 * missing from the kernel (a failed move) is created. Returns the number of requests sent (0: it
 * already matched).
 */
export async function converge(t: MepTarget, want: VoeSpec, rb?: { info: BridgeCfmInfo; spec: VoeSpec }): Promise<number> {
  rb ??= await readBack(t, want.key, want.priority);
  const inst = t.instance;
  let sent = 0;
  const send = async (cmds: CfmCommand[], what: string): Promise<void> => {
    if (cmds.length === 0) return;
    await t.kernel.setlink(cmds, what);
    sent++;
  };
  if (!rb || want.port !== rb.spec.port) {
    // The kernel cannot move a MEP: delete and re-create under the same instance.
    if (rb) await send([{ cmd: 'mepDelete', value: { instance: inst } }], `move MEP '${want.key}'`);
    await send(createCommands(inst, t.portIndex(want.port), want, t.periodS), `${rb ? 're-' : ''}create MEP '${want.key}'`);
    for (const peer of want.peers.slice(1)) await send([{ cmd: 'peerMepAdd', value: { instance: inst, mepId: peer } }], `add peer ${peer} to '${want.key}'`);
    return sent;
  }
  const cur = rb.spec;
  await send(changeCommands(inst, rb.info, cur, want, t.periodS), `update MEP '${want.key}'`);
  for (const peer of cur.peers.filter((p) => !want.peers.includes(p))) {
    await send([{ cmd: 'peerMepRemove', value: { instance: inst, mepId: peer } }], `remove peer ${peer} from '${want.key}'`);
  }
  for (const peer of want.peers.filter((p) => !cur.peers.includes(p))) {
    await send([{ cmd: 'peerMepAdd', value: { instance: inst, mepId: peer } }], `add peer ${peer} to '${want.key}'`);
  }
  return sent;
}

/**
 * converge() to `want`; if it fails, converge back to what was read back before (so the kernel
 * ends in the old or the new state) and rethrow the first error, saying whether the undo worked.
 */
export async function updateFromReadBack(t: MepTarget, want: VoeSpec): Promise<{ before: VoeSpec; sent: number }> {
  const rb = await readBack(t, want.key, want.priority);
  if (!rb) throw new CfmError('BACKEND', `linux-bridge: no VOE with handle ${t.instance} on ${t.kernel.bridge} (deleted outside this process)`);
  const before = { ...rb.spec, key: want.key };
  try {
    return { before, sent: await converge(t, want, rb) };
  } catch (e) {
    try {
      await converge(t, before);
    } catch (undo) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new CfmError('BACKEND', `${msg}; restoring the MEP as read back also failed: ${undo instanceof Error ? undo.message : String(undo)}`, { cause: e });
    }
    throw e;
  }
}
