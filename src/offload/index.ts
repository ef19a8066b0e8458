/** The offload manager: planner, reconciler, manager with software fallback (docs/offload.md). */
export * from './types.js';
export { plan, planningOrder, intervalRange, ccmFps, localMeps, modelSwitches, type PlanOptions } from './planner.js';
export { hwResources } from './resources.js';
export { formatPlan, planToJson, voeSpecToJson, type JsonVoeSpec } from './format.js';
export { voeSpecOf, specEqual, needsRecreate, derivedPortMac, mepMac } from './voe-spec.js';
export { mepConfigOf } from './sw-mep.js';
export {
  diffVoes, diffKeys, applyOps, reconcile, ApplyError,
  type ReconcileOp, type ReconcileDiff, type ApplyOptions, type ApplyProgress, type ApplyResult,
} from './reconciler.js';
export {
  OffloadManager, type ManagerOptions, type ApplyReport, type ApplyCallOptions, type MepMove,
} from './manager.js';
export { CpuSide, cpuBridgeView, type PuntControl } from './cpu-side.js';
export { HwMep } from './hw-mep.js';
export { applyConfigChange, describeChange, findMep, type ConfigChange, type MepChange, type AssociationChange, type ChangedModel } from './changes.js';
export { replan, type MepReplacement } from './replan.js';
export { buildStatus, formatStatus, type ManagerStatus, type MepStatusRow, type RemoteRow } from './status.js';
export {
  serveControl, controlRequest, controlMonitor, controlCall, controlLoopback, controlLinktrace, controlChange, oamHandlers,
  defaultSocketPath, assertSocketFree, type ControlHandlers, type ControlServer, type ChangeSummary, type LoopbackRequest,
} from './control.js';
export {
  openSwitch, openBackend, planConfig, loadModel, pickSwitch, resolveProfile,
  type CfmSwitch, type OpenSwitchOptions, type OpenBackendOptions, type PlanConfigOptions, type ConfigInput,
} from './api.js';
export { SwitchChoiceError } from './switch-choice.js';
export { runDemo, DEMO_CONFIG, type DemoOptions, type DemoResult, type DemoEvent, type DemoCheck } from './demo.js';
export { MockSwitchNode } from './sim/mock-switch.js';
export { runVirtual, settle } from './sim/run.js';
export { OwnedClock } from './owned-clock.js';
export type { OperationEvent, OperationKind, OperationListener, OperationTotals, OperationsView, OperationErrorSummary, OperationResults } from './operations.js';
export { dryRunApply, formatDryRun, dryRunToJson, refuseDeleteAll, type DryRun } from './dry-run.js';
export { EventStamper, type StampedFaultEvent } from './event-stamp.js';
export { refuseCpuPath } from './cpu-path.js';
export * from './y1731/index.js';
