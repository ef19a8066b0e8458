/**
 * Linux bridge CFM over rtnetlink (net/bridge/br_cfm_netlink.c, uapi linux/if_bridge.h,
 * linux/cfm_bridge.h). ONE table describes every nest: its SETLINK command id, its GETLINK
 * *_INFO id, and its leaf attributes with the kernel's policy (type, max). Encoding and decoding
 * both read the table, so a request and its read-back cannot drift apart.
 *
 * Transport (cfm-facts 1.1): RTM_SETLINK, ifinfomsg{AF_BRIDGE, bridge ifindex},
 * IFLA_AF_SPEC (NLA_F_NESTED) -> IFLA_BRIDGE_FLAGS = BRIDGE_FLAGS_SELF (u16) + IFLA_BRIDGE_CFM (NLA_F_NESTED)
 * -> command nests (NLA_F_NESTED) -> leaves. Read-back: RTM_GETLINK dump, AF_BRIDGE,
 * IFLA_EXT_MASK = RTEXT_FILTER_CFM_CONFIG | _STATUS; the bridge's own entry carries the nests.
 */
import { type Attr, type RawAttr, bytes, find, getU32, getU8, nest, parseAttrs, u16, u32, u8 } from './attrs.js';
import {
  AF_BRIDGE,
  BRIDGE_FLAGS_SELF,
  IFLA_AF_SPEC,
  IFLA_BRIDGE_CFM,
  IFLA_BRIDGE_FLAGS,
  NLM_F_ACK,
  NLM_F_REQUEST,
  RTM_SETLINK,
} from './constants.js';
import { CfmError } from '../common/errors.js';
import { NetlinkParseError } from './errors.js';
import { encodeMessage } from './message.js';
import { encodeIfInfoMsg, type LinkMessage, afSpec, macToString } from './rtnl.js';

/** uapi linux/cfm_bridge.h */
export const CFM_MAID_LENGTH = 48;
export const BR_CFM_PORT = 0;
export const BR_CFM_VLAN = 1;
export const BR_CFM_MEP_DIRECTION_DOWN = 0;
export const BR_CFM_MEP_DIRECTION_UP = 1;

/** Leaf kinds: 'bool' is a u32 0/1 on the wire; 'mac' exactly 6 bytes (NLA_POLICY_ETH_ADDR). */
type Kind = 'u32' | 'bool' | 'u8' | 'mac' | 'maid';
type ValueOf<K extends Kind> = K extends 'u32' | 'u8' ? number : K extends 'bool' ? boolean : K extends 'mac' ? string : Uint8Array;

interface Leaf {
  attr: number;
  kind: Kind;
  /** Policy maximum (NLA_POLICY_MAX / RANGE), inclusive. */
  max?: number;
  min?: number;
}

/** The policy table (br_cfm_*_policy + *_fill_info). `set`: SETLINK id, `info`: GETLINK id. */
export const CFM_NESTS = {
  mepCreate: {
    set: 1, info: 9,
    leaves: { instance: { attr: 1, kind: 'u32' }, domain: { attr: 2, kind: 'u32' }, direction: { attr: 3, kind: 'u32' }, ifindex: { attr: 4, kind: 'u32' } },
  },
  mepDelete: { set: 2, info: undefined, leaves: { instance: { attr: 1, kind: 'u32' } } },
  mepConfig: {
    set: 3, info: 10,
    leaves: { instance: { attr: 1, kind: 'u32' }, unicastMac: { attr: 2, kind: 'mac' }, mdLevel: { attr: 3, kind: 'u32', max: 7 }, mepId: { attr: 4, kind: 'u32', max: 0x1fff } },
  },
  ccConfig: {
    set: 4, info: 11,
    leaves: { instance: { attr: 1, kind: 'u32' }, enable: { attr: 2, kind: 'bool' }, expInterval: { attr: 3, kind: 'u32', min: 1, max: 7 }, expMaid: { attr: 4, kind: 'maid' } },
  },
  peerMepAdd: { set: 5, info: 14, leaves: { instance: { attr: 1, kind: 'u32' }, mepId: { attr: 2, kind: 'u32', max: 0x1fff } } },
  peerMepRemove: { set: 6, info: undefined, leaves: { instance: { attr: 1, kind: 'u32' }, mepId: { attr: 2, kind: 'u32', max: 0x1fff } } },
  rdi: { set: 7, info: 12, leaves: { instance: { attr: 1, kind: 'u32' }, rdi: { attr: 2, kind: 'bool' } } },
  ccmTx: {
    set: 8, info: 13,
    leaves: {
      instance: { attr: 1, kind: 'u32' }, dmac: { attr: 2, kind: 'mac' }, seqNoUpdate: { attr: 3, kind: 'bool' },
      periodS: { attr: 4, kind: 'u32' }, ifTlv: { attr: 5, kind: 'bool' }, ifTlvValue: { attr: 6, kind: 'u8' },
      portTlv: { attr: 7, kind: 'bool' }, portTlvValue: { attr: 8, kind: 'u8' },
    },
  },
  mepStatus: {
    set: undefined, info: 15,
    leaves: { instance: { attr: 1, kind: 'u32' }, opcodeUnexpSeen: { attr: 2, kind: 'bool' }, versionUnexpSeen: { attr: 3, kind: 'bool' }, rxLevelLowSeen: { attr: 4, kind: 'bool' } },
  },
  peerStatus: {
    set: undefined, info: 16,
    leaves: {
      instance: { attr: 1, kind: 'u32' }, peerMepId: { attr: 2, kind: 'u32' }, ccmDefect: { attr: 3, kind: 'bool' }, rdi: { attr: 4, kind: 'bool' },
      portTlvValue: { attr: 5, kind: 'u8' }, ifTlvValue: { attr: 6, kind: 'u8' }, seen: { attr: 7, kind: 'bool' }, tlvSeen: { attr: 8, kind: 'bool' },
      seqUnexpSeen: { attr: 9, kind: 'bool' },
    },
  },
} as const satisfies Record<string, { set: number | undefined; info: number | undefined; leaves: Record<string, Leaf> }>;

export type CfmNestName = keyof typeof CFM_NESTS;
type LeavesOf<N extends CfmNestName> = (typeof CFM_NESTS)[N]['leaves'];
/** The record a nest carries, e.g. CfmValue<'mepConfig'> = { instance, unicastMac, mdLevel, mepId }. */
export type CfmValue<N extends CfmNestName> = { -readonly [K in keyof LeavesOf<N>]: LeavesOf<N>[K] extends { kind: infer KK extends Kind } ? ValueOf<KK> : never };

export type MepCreate = CfmValue<'mepCreate'>;
export type MepConfig = CfmValue<'mepConfig'>;
export type CcConfig = CfmValue<'ccConfig'>;
export type CcmTx = CfmValue<'ccmTx'>;
export type PeerMep = CfmValue<'peerMepAdd'>;
export type RdiConfig = CfmValue<'rdi'>;
export type MepStatusInfo = CfmValue<'mepStatus'>;
export type PeerStatusInfo = CfmValue<'peerStatus'>;

/** One command of a SETLINK. */
export type CfmCommand = { [N in CfmNestName]: { cmd: N; value: CfmValue<N> } }[CfmNestName];

/** Highest IFLA_BRIDGE_CFM_* (uapi IFLA_BRIDGE_CFM_MAX). */
export const IFLA_BRIDGE_CFM_MAX = 16;

function macBytes(mac: string, where: string): Uint8Array {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new CfmError('ENCODE', `${where}: '${mac}' is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  }
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

function encodeLeaf(name: string, key: string, leaf: Leaf, v: unknown): Attr {
  const where = `bridge CFM ${name}.${key}`;
  switch (leaf.kind) {
    case 'u32':
    case 'u8': {
      const limit = leaf.kind === 'u8' ? 0xff : 0xffffffff;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < (leaf.min ?? 0) || v > (leaf.max ?? limit)) {
        throw new CfmError('ENCODE', `${where}: ${String(v)} is out of range ${leaf.min ?? 0}..${leaf.max ?? limit}`);
      }
      return leaf.kind === 'u8' ? u8(leaf.attr, v) : u32(leaf.attr, v);
    }
    case 'bool':
      if (typeof v !== 'boolean') throw new CfmError('ENCODE', `${where}: expected a boolean`);
      return u32(leaf.attr, v ? 1 : 0);
    case 'mac':
      return bytes(leaf.attr, macBytes(String(v), where));
    case 'maid': {
      if (!(v instanceof Uint8Array) || v.length > CFM_MAID_LENGTH) {
        throw new CfmError('ENCODE', `${where}: MAID must be at most ${CFM_MAID_LENGTH} bytes`);
      }
      // Always send the full 48 bytes: what we read back is then byte-identical.
      const b = new Uint8Array(CFM_MAID_LENGTH);
      b.set(v);
      return bytes(leaf.attr, b);
    }
  }
}

/** Encodes one command nest (NLA_F_NESTED set: the kernel's nested policies require it). */
export function encodeCfmNest<N extends CfmNestName>(name: N, value: CfmValue<N>): Attr {
  const spec = CFM_NESTS[name];
  if (spec.set === undefined) throw new CfmError('ENCODE', `bridge CFM ${name} is read-only (status)`);
  const rec = value as Record<string, unknown>;
  const leaves: Attr[] = [];
  for (const [key, leaf] of Object.entries(spec.leaves) as [string, Leaf][]) {
    if (rec[key] === undefined) throw new CfmError('ENCODE', `bridge CFM ${name}: ${key} is mandatory`);
    leaves.push(encodeLeaf(name, key, leaf, rec[key]));
  }
  return nest(spec.set, leaves, true);
}

/**
 * RTM_SETLINK to the bridge with the given commands in one IFLA_BRIDGE_CFM nest. The kernel
 * keeps one nest per command type and runs them in its fixed order (create, delete, config,
 * cc, peer add, peer remove, rdi, ccm tx), so a message may carry each command at most once.
 */
export function encodeCfmSetLink(seq: number, bridgeIfindex: number, commands: CfmCommand[]): Uint8Array {
  const seen = new Set<string>();
  const nests: Attr[] = [];
  for (const c of commands) {
    if (seen.has(c.cmd)) throw new CfmError('ENCODE', `bridge CFM: ${c.cmd} twice in one request (the kernel keeps only the last)`);
    seen.add(c.cmd);
    nests.push(encodeCfmNest(c.cmd, c.value as never));
  }
  return encodeMessage(
    { type: RTM_SETLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq, portId: 0 },
    encodeIfInfoMsg({ family: AF_BRIDGE, index: bridgeIfindex }),
    // NLA_F_NESTED on every nest, IFLA_AF_SPEC included, as libnl's nla_nest_start sets it
    // (the kernel accepts either; its replies omit it on IFLA_AF_SPEC, see rtnl.afSpec).
    [nest(IFLA_AF_SPEC, [u16(IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF), nest(IFLA_BRIDGE_CFM, nests, true)], true)],
  );
}

/** Decodes one *_INFO nest by the same table; a missing leaf is a parse error naming it. */
export function decodeCfmNest<N extends CfmNestName>(name: N, a: RawAttr): CfmValue<N> {
  const attrs = parseAttrs(a.value, 0, a.value.length, `bridge CFM ${name}`);
  const out: Record<string, unknown> = {};
  for (const [key, leaf] of Object.entries(CFM_NESTS[name].leaves) as [string, Leaf][]) {
    const x = find(attrs, leaf.attr);
    if (!x) throw new NetlinkParseError(`bridge CFM ${name}: attribute ${leaf.attr} (${key}) missing`);
    switch (leaf.kind) {
      case 'u32': out[key] = getU32(x); break;
      case 'bool': out[key] = getU32(x) !== 0; break;
      case 'u8': out[key] = getU8(x); break;
      case 'mac':
        if (x.value.length !== 6) throw new NetlinkParseError(`bridge CFM ${name}.${key}: MAC of ${x.value.length} bytes`);
        out[key] = macToString(x.value);
        break;
      case 'maid': out[key] = Uint8Array.from(x.value); break;
    }
  }
  return out as CfmValue<N>;
}

/** Everything one bridge reports about its MEPs (config and/or status, per the filter used). */
export interface BridgeCfmInfo {
  bridgeIfindex: number;
  mepCreate: MepCreate[];
  mepConfig: MepConfig[];
  ccConfig: CcConfig[];
  rdi: RdiConfig[];
  ccmTx: CcmTx[];
  peers: PeerMep[];
  mepStatus: MepStatusInfo[];
  peerStatus: PeerStatusInfo[];
}

const INFO_TO_NEST = new Map<number, CfmNestName>(
  (Object.entries(CFM_NESTS) as [CfmNestName, { info: number | undefined }][])
    .filter(([, s]) => s.info !== undefined)
    .map(([n, s]) => [s.info as number, n]),
);

/**
 * The CFM part of an AF_BRIDGE RTM_NEWLINK (dump entry or notification), or undefined when the
 * message has no IFLA_BRIDGE_CFM nest (ports, other bridges, non-CFM notifications).
 */
export function decodeBridgeCfm(l: LinkMessage): BridgeCfmInfo | undefined {
  if (l.header.family !== AF_BRIDGE) return undefined;
  const spec = afSpec(l);
  const cfm = spec && find(spec, IFLA_BRIDGE_CFM);
  if (!cfm) return undefined;
  const info: BridgeCfmInfo = {
    bridgeIfindex: l.header.index,
    mepCreate: [], mepConfig: [], ccConfig: [], rdi: [], ccmTx: [], peers: [], mepStatus: [], peerStatus: [],
  };
  for (const a of parseAttrs(cfm.value, 0, cfm.value.length, 'IFLA_BRIDGE_CFM')) {
    const name = INFO_TO_NEST.get(a.type);
    switch (name) {
      case 'mepCreate': info.mepCreate.push(decodeCfmNest(name, a)); break;
      case 'mepConfig': info.mepConfig.push(decodeCfmNest(name, a)); break;
      case 'ccConfig': info.ccConfig.push(decodeCfmNest(name, a)); break;
      case 'rdi': info.rdi.push(decodeCfmNest(name, a)); break;
      case 'ccmTx': info.ccmTx.push(decodeCfmNest(name, a)); break;
      case 'peerMepAdd': info.peers.push(decodeCfmNest(name, a)); break;
      case 'mepStatus': info.mepStatus.push(decodeCfmNest(name, a)); break;
      case 'peerStatus': info.peerStatus.push(decodeCfmNest(name, a)); break;
      default: break; // newer kernels may add nests: ignore what we do not know
    }
  }
  return info;
}

/** Encodes the *_INFO nest of a value (for building kernel-shaped replies in tests and fakes). */
export function encodeCfmInfoNest<N extends CfmNestName>(name: N, value: CfmValue<N>): Attr {
  const spec = CFM_NESTS[name];
  if (spec.info === undefined) throw new CfmError('ENCODE', `bridge CFM ${name} has no INFO form`);
  const rec = value as Record<string, unknown>;
  const leaves = (Object.entries(spec.leaves) as [string, Leaf][]).map(([key, leaf]) => encodeLeaf(name, key, leaf, rec[key]));
  return nest(spec.info, leaves, true);
}
