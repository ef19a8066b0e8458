/**
 * Up MEPs of one MA on one switch are placed together: all in hardware or all in software.
 *
 * A hardware up MEP sends its CCMs into the ASIC's relay (802.1Q 19.2.7: an up MEP faces the
 * relay), which forwards them to the other ports of the VLAN inside the chip, where an up VOE on
 * the egress port hears them. The CPU never sees them: the vendor ABI punts what arrives from
 * the wire, not what the relay carries between two ports. A software up MEP on the same switch
 * would hear nothing from its hardware neighbour and raise defRemoteCCM (and its RDI would raise
 * defRDICCM at the neighbour) although nothing is wrong. So when one up MEP of an MA must run in
 * software, its up neighbours on the switch run there too (the CPU relays between software up
 * MEPs, cpu-side.ts), and a hardware pin on one of them is a plan violation.
 */
import type { LocalMep } from '../config/model.js';
import { consume, mepPlanOf, type Usage } from './planner.js';
import type { HwResources, MepPlan } from './types.js';

/** The MA of a MEP key "<md>/<ma>/<mepid>". */
export function maOfKey(key: string): string {
  return key.slice(0, key.lastIndexOf('/'));
}

export interface ColocateResult {
  violations: { key: string; text: string }[];
}

/**
 * Move to software every hardware up MEP whose MA has an up MEP in software on this switch.
 * `meps` (in planning order) is updated in place; `u` gives the moved MEPs' resources back.
 */
export function colocateUpMeps(meps: MepPlan[], mepOf: (key: string) => LocalMep, res: HwResources, u: Usage): ColocateResult {
  const softwareUp = new Map<string, string>(); // MA -> first up MEP in software (planning order)
  for (const m of meps) {
    // a disabled MEP sends nothing and hears nothing: its neighbours can stay where they are
    if (m.direction === 'up' && m.ccm === 'software' && mepOf(m.key).enabled && !softwareUp.has(maOfKey(m.key))) softwareUp.set(maOfKey(m.key), m.key);
  }
  const violations: { key: string; text: string }[] = [];
  if (softwareUp.size === 0) return { violations };
  for (let i = 0; i < meps.length; i++) {
    const m = meps[i];
    if (m.direction !== 'up' || m.ccm !== 'hardware') continue;
    const other = softwareUp.get(maOfKey(m.key));
    if (other === undefined) continue;
    const reason = `up MEP ${other} of its MA runs in software on this switch (the ASIC relays a hardware up MEP's CCMs where the CPU cannot hear them)`;
    const mep = mepOf(m.key);
    consume(mep, res, u, -1);
    const r = mepPlanOf(mep, res, reason);
    meps[i] = r.plan;
    if (r.violation) violations.push({ key: m.key, text: r.violation });
  }
  return { violations };
}

/** Whether a change of `key` (an up MEP before or after) may move its up neighbours: replan cannot tell. */
export function touchesUpGroup(prevMeps: readonly MepPlan[], key: string, up: boolean): boolean {
  if (!up) return false;
  const ma = maOfKey(key);
  return prevMeps.some((m) => m.direction === 'up' && m.key !== key && maOfKey(m.key) === ma);
}
