/**
 * Synthetic service-provider configs (examples/sp-1000-meps.yaml, benchmarks, scale tests):
 * one PE switch with UNI and NNI ports; per EVC an up MEP on a UNI (provider level 4) and a
 * down MEP on an NNI (operator level 2), every 10th EVC multipoint, a customer MIP (level 6) on
 * every 5th UNI service. Deterministic: the same options give the same text.
 *
 * One VLAN per EVC, VIDs 100..4094 then 1..99 (802.1Q 9.6: 0 and 4095 are reserved), so at most
 * 4,094 EVCs (8,188 MEPs). Beyond that, multipoint EVCs get a second local up MEP (mep-id 2) on
 * the next UNI: MEPs of one MA on one bridge and VLAN hear each other through the relay as the
 * peers they are, whereas two MAs sharing a VLAN at one level would see each other's CCMs as
 * cross-connects. That reaches MAX_SP_MEPS, the size the docs and benchmarks use.
 */
import { Document, isScalar, visit } from 'yaml';

export interface SpConfigOptions {
  /** Local MEPs in total (two per EVC); default 1000. */
  meps?: number;
  uniPorts?: number; // default 40
  nniPorts?: number; // default 8
}

/** The largest config generateSpConfig writes (the 8,192-MEP size of the docs and benchmarks). */
export const MAX_SP_MEPS = 8192;
/** VLAN ids 1..4094 (802.1Q 9.6): one per EVC. */
const MAX_EVCS = 4094;

/** EVC i's VLAN: 100, 101, ... 4094, then 1..99. */
function evcVid(i: number): number {
  return ((99 + i) % MAX_EVCS) + 1;
}

const INTERVALS = ['1sec', '1sec', '1sec', '100ms', '1sec', '10sec', '1sec', '1min', '1sec', '10ms'] as const;

export function generateSpConfig(opts: SpConfigOptions = {}): object {
  const meps = opts.meps ?? 1000;
  if (!Number.isInteger(meps) || meps < 2 || meps > MAX_SP_MEPS) {
    throw new RangeError(`meps must be an integer 2..${MAX_SP_MEPS}, not ${meps}: one VLAN (1..4094) per EVC, two MEPs per EVC, multipoint EVCs take a second up MEP beyond 8,188`);
  }
  const evcs = Math.min(Math.ceil(meps / 2), MAX_EVCS);
  // MEPs beyond two per EVC: a second up MEP in the first `extra` multipoint EVCs
  let extra = meps - 2 * evcs;
  const uni = opts.uniPorts ?? 40;
  const nni = opts.nniPorts ?? 8;
  const ports = [...Array.from({ length: uni }, (_, i) => `ge${i}`), ...Array.from({ length: nni }, (_, i) => `xe${i}`)];
  const evcMas: object[] = [];
  const segMas: object[] = [];
  const evcGroups: object[] = [];
  const segGroups: object[] = [];
  const mips: object[] = [];
  for (let i = 0; i < evcs; i++) {
    const vid = evcVid(i);
    const name = `EVC-${String(i + 1).padStart(5, '0')}`;
    const multipoint = i % 10 === 9;
    evcMas.push({
      'ma-id': name.toLowerCase(),
      'char-string': name,
      vid,
      'ccm-interval': INTERVALS[i % INTERVALS.length],
      'maintenance-association-mep': multipoint ? [1, 2, 3, 4] : [1, 2],
    });
    evcGroups.push({
      'maintenance-group-id': `g-${name.toLowerCase()}`,
      'md-id': 'provider',
      'ma-id': name.toLowerCase(),
      mep: [1, 2].slice(0, multipoint && extra-- > 0 ? 2 : 1).map((mepId) => ({
        'mep-id': mepId, interface: `ge${(i + mepId - 1) % uni}`, direction: 'up', enabled: true, 'ccm-ltm-priority': 6,
        'continuity-check': { 'ccm-enabled': true, 'lowest-priority-defect': 'remote-error-xcon' },
        'interface-status-tlv': true,
      })),
    });
    segMas.push({ 'ma-id': `seg-${vid}`, 'primary-vid': vid, 'ccm-interval': '100ms', 'maintenance-association-mep': [1, 2] });
    segGroups.push({
      'maintenance-group-id': `g-seg-${vid}`,
      'md-id': 'operator',
      'ma-id': `seg-${vid}`,
      mep: [{ 'mep-id': 1, interface: `xe${i % nni}`, direction: 'down', enabled: true, 'continuity-check': { 'ccm-enabled': true }, 'port-status-tlv': true }],
    });
    if (i % 5 === 0) mips.push({ interface: `ge${i % uni}`, 'md-level': 6, vid, 'md-id': 'customer' });
  }
  return {
    board: { name: 'sp-pe1', profile: 'sparx-5', ports },
    cfm: {
      'maintenance-domain': [
        { 'md-id': 'customer', 'char-string': 'Customers', 'md-level': 6, 'mhf-creation': 'mhf-explicit' },
        { 'md-id': 'provider', 'dns-like-name': 'sp.example.net', 'md-level': 4, 'maintenance-association': evcMas },
        { 'md-id': 'operator', 'mac-address-and-uint-type': { address: '00-1b-21-00-00-01', int: 2 }, 'md-level': 2, 'maintenance-association': segMas },
      ],
      // odd counts below the VLAN limit drop the last segment MEP
      'maintenance-group': [...evcGroups, ...segGroups].slice(0, Math.min(meps, 2 * evcs)),
      mip: mips,
    },
    'cpu-protection': {
      policy: [
        { 'policy-id': 1, 'overall-rate': 1000, 'eth-cfm': [{ entry: 10, level: '4', opcode: '1', rate: 50 }, { entry: 20, level: '5-7', opcode: '3,5', rate: 1 }, { entry: 30, level: '0-7', opcode: '0-255', rate: 0 }] },
        { 'policy-id': 2, 'eth-cfm': [{ entry: 10, level: '2', opcode: '1-5', rate: 100 }] },
      ],
      binding: [
        ...Array.from({ length: uni }, (_, i) => ({ interface: `ge${i}`, 'cpu-protection': 1, 'eth-cfm-monitoring': { aggregate: true }, 'squelch-ingress-levels': '0-3' })),
        ...Array.from({ length: nni }, (_, i) => ({ interface: `xe${i}`, 'cpu-protection': 2, 'eth-cfm-monitoring': true })),
      ],
    },
  };
}

export function generateSpConfigYaml(opts: SpConfigOptions = {}): string {
  const meps = opts.meps ?? 1000;
  const head = `# yaml-language-server: $schema=../schema/cfm-config.schema.json\n` +
    `# Generated by \`cfm config generate-sp --meps ${meps}\` (src/config/generate.ts): a service-provider PE with\n` +
    `# ${meps} local MEPs: per EVC an up MEP on a UNI (provider, level 4) and a down MEP on an NNI\n` +
    `# (operator segment, level 2); every 10th EVC is multipoint; customer MIPs (level 6) on every 5th UNI service.\n`;
  // Short lists and leaf maps in flow style: one line per MA/MEP keeps the file readable.
  const doc = new Document(generateSpConfig(opts));
  visit(doc, {
    Seq(_k, node) {
      if (node.items.every((x) => isScalar(x))) node.flow = true;
    },
    Map(_k, node) {
      if (node.items.every((p) => isScalar(p.value)) && node.items.length <= 6) node.flow = true;
    },
  });
  return head + doc.toString({ lineWidth: 0 });
}
