/**
 * The demo's two mock-ASIC switches (examples/demo.yaml, as src/offload/demo.ts builds them)
 * in the simulator, each with an offload manager, on a virtual clock the test advances.
 */
import { VirtualClock } from '../../src/common/clock.js';
import { loadConfigOrThrow } from '../../src/config/index.js';
import type { CfmModel } from '../../src/config/model.js';
import { mockOptionsFromProfile } from '../../src/backends/mock/options.js';
import { loadProfile } from '../../src/profiles/index.js';
import { SimNetwork } from '../../src/sim/network.js';
import { DEMO_CONFIG } from '../../src/offload/demo.js';
import { OffloadManager } from '../../src/offload/manager.js';
import { MockSwitchNode } from '../../src/offload/sim/mock-switch.js';
import { runVirtual } from '../../src/offload/sim/run.js';

export interface DemoSwitches {
  clock: VirtualClock;
  model: CfmModel;
  net: SimNetwork;
  nodes: Record<'sw1' | 'sw2', MockSwitchNode>;
  managers: Record<'sw1' | 'sw2', OffloadManager>;
  run(seconds: number): Promise<void>;
  /** Cut (false) or restore (true) the sw1:p1 - sw2:p1 cable, both ways. */
  cable(up: boolean): void;
  close(): Promise<void>;
}

export async function startDemoSwitches(): Promise<DemoSwitches> {
  const model = loadConfigOrThrow(DEMO_CONFIG);
  const clock = new VirtualClock();
  const net = new SimNetwork({ clock });
  const profile = loadProfile('mock-default');
  const mk = (sw: 'sw1' | 'sw2') => new MockSwitchNode(sw, net, mockOptionsFromProfile(profile, { instance: `telemetry-${sw}-${process.pid}-${Date.now()}` }));
  const nodes = { sw1: mk('sw1'), sw2: mk('sw2') };
  const managers = {
    sw1: new OffloadManager({ backend: nodes.sw1.backend, profile, clock, switch: 'sw1' }),
    sw2: new OffloadManager({ backend: nodes.sw2.backend, profile, clock, switch: 'sw2' }),
  };
  net.connect('sw1:p1', 'sw2:p1');
  await managers.sw1.apply(model);
  await managers.sw2.apply(model);
  const run = (s: number) => runVirtual(clock, s * 1e9, 5_000_000);
  return {
    clock, model, net, nodes, managers, run,
    cable: (up) => {
      net.link('sw1:p1').up = up;
    },
    close: async () => {
      for (const m of Object.values(managers)) await m.close();
      for (const n of Object.values(nodes)) await n.close();
    },
  };
}
