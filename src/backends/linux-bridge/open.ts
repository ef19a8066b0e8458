/**
 * The backend as named on the command line: `linux-bridge` (bridge br0) or `linux-bridge:BRIDGE`,
 * as `cfm apply --backend` takes it (docs/linux-bridge.md).
 */
import { UsageError } from '../../common/errors.js';
import { LinuxBridgeBackend, type LinuxBridgeOptions } from './backend.js';

export const DEFAULT_BRIDGE = 'br0';

export function isLinuxBridgeSpec(spec: string | undefined): spec is string {
  return spec === 'linux-bridge' || (spec?.startsWith('linux-bridge:') ?? false);
}

/** The bridge named by a `linux-bridge[:BRIDGE]` spec. */
export function bridgeOfSpec(spec: string): string {
  if (spec === 'linux-bridge') return DEFAULT_BRIDGE;
  const br = spec.slice('linux-bridge:'.length);
  // IFNAMSIZ is 16 including the NUL; names never contain '/' or whitespace.
  if (!/^[^\s/:]{1,15}$/.test(br)) throw new UsageError(`backend '${spec}': '${br}' is not an interface name (linux-bridge:BRIDGE, e.g. linux-bridge:br0)`);
  return br;
}

export function openLinuxBridgeSpec(spec: string, o: Omit<LinuxBridgeOptions, 'bridge'> = {}): Promise<LinuxBridgeBackend> {
  return LinuxBridgeBackend.open({ ...o, bridge: bridgeOfSpec(spec) });
}
