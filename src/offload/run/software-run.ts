/**
 * `cfm run CONFIG --backend software`: the MEPs of one switch of a config on Linux interfaces,
 * in this process, until stopped. The offload manager plans every MEP onto the software
 * backend's VOEs (native CCM transmit, CCM checker on receive), turns their events into the
 * 802.1Q fault events (FNG), and serves its control socket so `cfm status` / `cfm monitor`
 * reach this process.
 */
import { RealClock } from '../../common/clock.js';
import { UsageError } from '../../common/errors.js';
import { loadConfigOrThrow } from '../../config/index.js';
import type { CfmModel } from '../../config/model.js';
import type { FaultEvent } from '../../engine/events.js';
import { OffloadManager, type ApplyReport } from '../manager.js';
import { localMeps, modelSwitches } from '../planner.js';
import type { ManagerStatus } from '../status.js';
import { assertSocketFree, serveControl, type ControlServer } from '../control.js';
import { SoftwareBackend, type TxStatusEvent } from '../../backends/software/backend.js';
import type { DatapathChoice } from '../../backends/software/bpf-rx.js';
import { stateDir } from '../../debug/state.js';
import { textFileSink } from '../../debug/sinks.js';
import { softwareProfile } from '../../backends/software/profile.js';
import { bpfCapacityFor } from './bpf-capacity.js';
import { SwitchChoiceError } from '../switch-choice.js';

export interface SoftwareRunOptions {
  config: string;
  switch?: string;
  netns?: string;
  /** Control socket path; null = do not serve one. */
  socketPath: string | null;
  realtime?: boolean;
  /** Receive datapath: auto (eBPF tc where it loads, else AF_PACKET), tc, xdp or af-packet (docs/linux.md). */
  datapath?: DatapathChoice;
  /**
   * eBPF datapath: MEP map entries (default from the config: bpf-capacity.ts, the next power of
   * two of 2 x its MEPs, at least 64). MEPs beyond it run in the engine, with the reason in the plan.
   */
  bpfCapacity?: number;
  /** File for debug decodes of tagged MPs (seed 004); they are also in status().ops. */
  debugLog?: string;
  onFault?: (e: FaultEvent) => void;
  onTxStatus?: (e: TxStatusEvent) => void;
}

export interface SoftwareRun {
  readonly manager: OffloadManager;
  readonly backend: SoftwareBackend;
  readonly report: ApplyReport;
  readonly control: ControlServer | null;
  status(): Promise<ManagerStatus>;
  stop(): Promise<void>;
}

function chooseSwitch(model: CfmModel, wanted?: string): string {
  const switches = modelSwitches(model);
  if (wanted) {
    if (!switches.includes(wanted)) throw new UsageError(`switch '${wanted}' has no MEPs in the config (switches: ${switches.join(', ') || 'none'})`);
    return wanted;
  }
  if (switches.length === 1) return switches[0];
  if (switches.length === 0) throw new UsageError('the config has no MEPs to run');
  throw new SwitchChoiceError(switches);
}

export async function startSoftwareRun(o: SoftwareRunOptions): Promise<SoftwareRun> {
  // a second manager on a socket in use must not send a CCM before it fails
  if (o.socketPath) await assertSocketFree(o.socketPath);
  const model = loadConfigOrThrow(o.config);
  const sw = chooseSwitch(model, o.switch);
  const meps = localMeps(model).filter((m) => m.switch === sw);
  const ports = [...new Set(meps.map((m) => m.port))].sort();
  const clock = new RealClock();
  const bpfCapacity = bpfCapacityFor(meps, o.bpfCapacity);
  const backend = new SoftwareBackend({ ports, netns: o.netns, clock, realtime: o.realtime, datapath: o.datapath, bpfCapacity });
  const dp = backend.datapathInfo();
  const datapaths = ports.map((port) => (dp.fallbackReason ? { port, datapath: dp.datapath, reason: dp.fallbackReason } : { port, datapath: dp.datapath }));
  try {
    // A MEP without a configured address sends with its interface's own MAC (802.1Q 19.4).
    for (const m of meps) if (!m.macAddress) m.macAddress = backend.portMac(m.port);
    // CPU protection runs natively on the AF_PACKET sockets; `cfm debug tag` reaches this process
    // through the shared state dir (src/debug/state.ts).
    const manager = new OffloadManager({
      // the profile's one shared VOE table is the backend's (the eBPF MEP map's size)
      backend, profile: softwareProfile(ports, backend.capabilities().serviceVoes), clock, switch: sw,
      opsStateDir: stateDir(), debugSink: o.debugLog ? textFileSink(o.debugLog) : undefined,
    });
    const status = async (): Promise<ManagerStatus> => ({ ...(await manager.status()), datapaths });
    if (o.onFault) manager.onFault(o.onFault);
    if (o.onTxStatus) backend.onTxStatus(o.onTxStatus);
    const report = await manager.apply(model);
    let control: ControlServer | null = null;
    if (o.socketPath) {
      control = await serveControl(o.socketPath, {
        status,
        plan: async () => report.plan,
        subscribe: (fn) => manager.onFault(fn),
      });
    }
    let stopped = false;
    return {
      manager, backend, report, control,
      status,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await control?.close();
        await manager.close({ clearHardware: true });
        await backend.close();
      },
    };
  } catch (e) {
    await backend.close();
    throw e;
  }
}
