/**
 * cfm-offload public API. Bring-up scripts and firmware integrations use these exports; the
 * `cfm` CLI is built on the same API (docs/api.md, examples/bringup.ts).
 *
 * Flat: the common contracts, config and profile loading, the offload manager (plan, apply,
 * status, fault events) and the mock ASIC. Namespaced: the PDU codec (`pdu`), the protocol
 * engine (`engine`) and the simulator (`sim`), whose many names would otherwise collide.
 */
export * from './common/interval.js';
export * from './common/errors.js';
export * from './common/clock.js';
export type * from './common/frame-port.js';
export type * from './backends/types.js';
export type * from './backends/injector.js';

export {
  parseConfig, loadConfig, loadConfigOrThrow, validateModel, exportConfig, exportConfigText, summarize,
  validateConfig, ConfigError, formatIssue, type LoadResult, type ParseOptions, type ValidateResult,
} from './config/index.js';
export type {
  CfmModel, Domain, Association, LocalMep, Mip, ConfigIssue, PlacementPin, SwitchRef, BoardRef,
} from './config/model.js';
export { loadProfile, listProfiles, ProfileError } from './profiles/index.js';
export type { HwProfile } from './profiles/types.js';

export { MockAsicBackend } from './backends/mock/backend.js';
export type { MockAsicOptions } from './backends/mock/options.js';
export type { DeviceClockEstimate } from './backends/asic-binding/device-clock.js';
export { mockOptionsFromProfile } from './backends/mock/options.js';
export { LinuxBridgeBackend, type LinuxBridgeOptions } from './backends/linux-bridge/index.js';
export { SoftwareBackend, DATAPATH_CHOICES, type SoftwareBackendOptions, type BpfCapacity, type Datapath, type DatapathChoice, type DatapathInfo } from './backends/software/index.js';

// Operator features on the CPU path (docs/cpu-protection.md): CPU protection, debug decoding.
export { startOps, type OpsOptions, type OpsRuntime } from './debug/runtime.js';
export { setupProtection, type ProtectionOptions, type ProtectionRuntime } from './cpu-protection/setup.js';
export { wrapFramePort, type TapStage, type TappedFramePort } from './debug/tap.js';

export { CfmEngine, FaultNotificationGenerator, formatEvent, DEFECTS } from './engine/index.js';
export type { FaultEvent, FaultListener, FaultEventType, DefectName, MepConfig, MepStatus } from './engine/index.js';
// what sw.loopback() / sw.linktrace() take and return (docs/api.md names them)
export type { LoopbackOptions, LoopbackReply, LoopbackResult, LinktraceOptions, LinktraceReply, LinktraceResult } from './engine/index.js';
export { SimNetwork } from './sim/index.js';

export * from './offload/index.js';
// Fleet telemetry (docs/telemetry.md): Prometheus metrics, the IEEE8021-CFM-MIB over AgentX.
export {
  startMetrics, startAgentx, startTelemetry, type MetricsOptions, type MetricsServer, type AgentxOptions, type AgentxSubagent,
  type TelemetryOptions, type Telemetry,
} from './telemetry/index.js';

export * as pdu from './pdu/index.js';
export * as engine from './engine/index.js';
export * as sim from './sim/index.js';
