/**
 * VoeSpec <-> bridge CFM commands and read-back. What the kernel can hold (cfm-facts 1.3):
 * untagged port Down-MEPs, one per port, any number of peers, CCM with optional Port/Interface
 * Status TLVs, RDI, sequence numbers on/off. Anything else is refused with a typed error before
 * a request is sent; the capabilities say the same so the planner keeps such MEPs in software.
 */
import { CfmError } from '../../common/errors.js';
import { intervalName, isIntervalCode, type IntervalCode } from '../../common/interval.js';
import {
  BR_CFM_MEP_DIRECTION_DOWN,
  BR_CFM_PORT,
  type BridgeCfmInfo,
  type CcConfig,
  type CcmTx,
  type CfmCommand,
  type MepConfig,
} from '../../netlink/bridge-cfm.js';
import type { VoeSpec } from '../types.js';
import { checkVoeFields, checkVoeKey, type SpecFault } from '../voe-spec-check.js';

/** Class 1 multicast DA for CCMs at `level` (802.1Q Table 8-13): 01-80-C2-00-00-3x. */
export function ccmGroupMac(level: number): string {
  return `01:80:c2:00:00:3${level}`;
}

function bad(spec: VoeSpec, field: string, why: string, code: 'BACKEND' | 'UNSUPPORTED' = 'BACKEND'): never {
  throw new CfmError(code, `linux-bridge: VOE '${spec.key}': ${field} ${why}`);
}

/** Slowest-first limit of what the kernel's software timers run faithfully: 100 ms. */
export const MIN_INTERVAL: IntervalCode = 3;

const MAC_RE = /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/;

export function validateSpec(spec: VoeSpec, ports: readonly string[]): void {
  const fault: SpecFault = (field, why) => bad(spec, field, why);
  checkVoeKey(spec, fault);
  if (spec.direction !== 'down') bad(spec, 'direction', "'up': the kernel's bridge CFM has Down-MEPs only (\"Up-MEP not supported\")", 'UNSUPPORTED');
  if (spec.vlan !== 0) bad(spec, 'vlan', `${spec.vlan}: the kernel's bridge CFM has port (untagged) MEPs only ("VLAN domain not supported")`, 'UNSUPPORTED');
  if (!ports.includes(spec.port)) bad(spec, 'port', `'${spec.port}' is not a port of this bridge (${ports.join(', ') || 'none'})`);
  checkVoeFields(spec, fault);
  if (spec.interval < MIN_INTERVAL) {
    // The kernel accepts 3.33 ms and 10 ms, but its jiffy timers cannot keep them (cfm-facts 1.3).
    bad(spec, 'interval', `${intervalName(spec.interval)} is faster than the kernel's timers honour (>= ${intervalName(MIN_INTERVAL)})`);
  }
  if (!MAC_RE.test(spec.unicastMac)) bad(spec, 'unicastMac', `'${spec.unicastMac}' is not a MAC address`);
}

export function mepConfigOf(instance: number, spec: VoeSpec): MepConfig {
  return { instance, unicastMac: spec.unicastMac.toLowerCase().replace(/-/g, ':'), mdLevel: spec.level, mepId: spec.mepId };
}

/** CC config: `enable` is the receive check (LOC per peer); the interval and MAID serve TX and RX. */
export function ccConfigOf(instance: number, spec: VoeSpec): CcConfig {
  return { instance, enable: spec.ccmRx, expInterval: spec.interval, expMaid: Uint8Array.from(spec.maid) };
}

/**
 * CCM transmission. PERIOD is how many seconds the kernel keeps sending before it stops by
 * itself (not the CCM interval): the backend refreshes it (keep-alive), 0 stops.
 */
export function ccmTxOf(instance: number, spec: VoeSpec, periodS: number): CcmTx {
  return {
    instance,
    dmac: ccmGroupMac(spec.level),
    seqNoUpdate: spec.seqUpdate,
    periodS: spec.ccmTx ? periodS : 0,
    ifTlv: spec.interfaceStatusTlv !== 0,
    ifTlvValue: spec.interfaceStatusTlv,
    portTlv: spec.portStatusTlv !== 0,
    portTlvValue: spec.portStatusTlv,
  };
}

/** Everything that creates the MEP, in one message (the kernel runs create..ccm-tx in order). */
export function createCommands(instance: number, ifindex: number, spec: VoeSpec, periodS: number): CfmCommand[] {
  const cmds: CfmCommand[] = [
    { cmd: 'mepCreate', value: { instance, domain: BR_CFM_PORT, direction: BR_CFM_MEP_DIRECTION_DOWN, ifindex } },
    { cmd: 'mepConfig', value: mepConfigOf(instance, spec) },
    { cmd: 'ccConfig', value: ccConfigOf(instance, spec) },
    { cmd: 'rdi', value: { instance, rdi: spec.rdi } },
    { cmd: 'ccmTx', value: ccmTxOf(instance, spec, periodS) },
  ];
  // PEER_MEP_ADD can appear only once per message: the first peer rides along, the rest follow.
  if (spec.peers.length > 0) cmds.push({ cmd: 'peerMepAdd', value: { instance, mepId: spec.peers[0] } });
  return cmds;
}

/** The kernel's view of one MEP, as a VoeSpec (key and priority supplied by the caller). */
export function specFromKernel(
  info: BridgeCfmInfo,
  instance: number,
  portName: (ifindex: number) => string,
  key: string,
  priority: number,
): VoeSpec | undefined {
  const create = info.mepCreate.find((x) => x.instance === instance);
  if (!create) return undefined;
  const cfg = info.mepConfig.find((x) => x.instance === instance);
  const cc = info.ccConfig.find((x) => x.instance === instance);
  const rdi = info.rdi.find((x) => x.instance === instance);
  const tx = info.ccmTx.find((x) => x.instance === instance);
  const interval = cc && isIntervalCode(cc.expInterval) ? cc.expInterval : (4 as IntervalCode);
  return {
    key,
    port: portName(create.ifindex),
    direction: create.direction === BR_CFM_MEP_DIRECTION_DOWN ? 'down' : 'up',
    level: cfg?.mdLevel ?? 0,
    vlan: 0,
    unicastMac: cfg?.unicastMac ?? '00:00:00:00:00:00',
    mepId: cfg?.mepId ?? 0,
    maid: cc ? Uint8Array.from(cc.expMaid) : new Uint8Array(48),
    interval,
    priority,
    peers: info.peers.filter((p) => p.instance === instance).map((p) => p.mepId),
    ccmTx: (tx?.periodS ?? 0) > 0,
    ccmRx: cc?.enable ?? false,
    seqUpdate: tx?.seqNoUpdate ?? false,
    rdi: rdi?.rdi ?? false,
    portStatusTlv: tx?.portTlv ? tx.portTlvValue : 0,
    interfaceStatusTlv: tx?.ifTlv ? tx.ifTlvValue : 0,
  };
}

export function sameMaid(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
