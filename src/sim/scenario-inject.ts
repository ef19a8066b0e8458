/**
 * The `inject` step: a crafted frame (any opcode, built like `cfm craft` does with the same
 * option names, src/pdu/craft.ts) put at a switch port, once or as a train of `count` frames
 * `every` apart (sequence number and transaction id advance by one per frame, as in craft).
 */
import { craftFrame } from '../pdu/craft.js';
import { encodeFrame } from '../pdu/index.js';
import type { Pdu } from '../pdu/types.js';
import { ScenarioError } from './scenario-parse-util.js';
import type { ScenarioStep, StepAction } from './scenario-types.js';
import { mepOf, portOf, type World } from './scenario-world.js';

type Inject = Extract<StepAction, { kind: 'inject' }>;

/** Frame `i` of the train; a frame the codec refuses is a scenario error at this step. */
export function injectedFrame(w: World, step: ScenarioStep, a: Inject, i: number): Uint8Array {
  const f = craftFrame(a.opcode, a.craft, i);
  const pdu = f.pdu as Pdu & { maid?: Uint8Array; tlvs: unknown[] };
  const maid = a.maidOf !== undefined ? mepOf(w, a.maidOf, `${step.where}.inject.maid-of`).cfg.maid : a.maid;
  if (maid) {
    if (pdu.opcode !== 1) throw new ScenarioError(w.sc.file, step.where, 'maid / maid-of apply to CCMs only');
    pdu.maid = maid;
  }
  if (a.flags !== undefined) pdu.flags = a.flags;
  for (const t of a.rawTlvs) pdu.tlvs.push(t);
  try {
    return encodeFrame(f);
  } catch (e) {
    throw new ScenarioError(w.sc.file, step.where, `cannot build the frame: ${(e as Error).message}`);
  }
}

/** Schedule the train: frame 0 now, frame i at now + i * every. */
export function runInject(w: World, step: ScenarioStep, a: Inject): void {
  const { sw, port } = portOf(w, a.port, `${step.where}.inject.port`);
  sw.inject(port, injectedFrame(w, step, a, 0), a.from); // a bad frame fails here, at the step
  let i = 1;
  const next = (): void => {
    sw.inject(port, injectedFrame(w, step, a, i), a.from);
    if (++i < a.count) w.net.clock.setTimer(a.everyNs, next);
  };
  if (a.count > 1) w.net.clock.setTimer(a.everyNs, next);
}
