/**
 * `cfm profile detect`: name the switch's driver through devlink (`dev info`) and pick the
 * hardware profile (hw-profiles/<name>.json) for it. Kernel driver names come from the drivers'
 * platform_driver .name (lan966x-switch, sparx5-switch, ocelot-switch, mscc_felix, ...); '-' and
 * '_' are treated alike because module names (lan966x_switch) use '_'.
 */
import type { DevlinkClient } from './client.js';
import type { DevlinkHandle, DevlinkPort } from '../netlink/devlink.js';
import { handleString } from '../netlink/devlink.js';

/** driver name (normalized: lower case, '_' for '-') -> profile name, with why. */
export const DRIVER_PROFILES: Readonly<Record<string, { profile: string; note: string }>> = {
  lan966x_switch: { profile: 'lan966x', note: 'Microchip LAN966x (VOP per port)' },
  sparx5_switch: { profile: 'sparx-5', note: 'Microchip Sparx-5 (the same driver also runs LAN969x: pass --profile lan969x there)' },
  ocelot_switch: { profile: 'ocelot', note: 'Microsemi Ocelot VSC7514' },
  mscc_felix: { profile: 'ocelot', note: 'Felix VSC9959 (Ocelot family, DSA)' },
  mscc_seville: { profile: 'serval-t', note: 'Seville VSC9953 (Serval-T)' },
  prestera_dx: { profile: 'marvell-cpss', note: 'Marvell Prestera' },
  prestera: { profile: 'marvell-cpss', note: 'Marvell Prestera' },
  // A simulated device without any CFM hardware: everything runs in software.
  netdevsim: { profile: 'software', note: 'netdevsim has no CFM offload' },
};

export function normalizeDriver(name: string): string {
  return name.trim().toLowerCase().replace(/[-\s]/g, '_');
}

export function profileForDriver(driver: string): { profile: string; note: string } | undefined {
  return DRIVER_PROFILES[normalizeDriver(driver)];
}

export interface DetectedDevice {
  handle: string;
  driver: string;
  /** Profile for the driver, or undefined when the driver is not known. */
  profile?: string;
  note?: string;
  ports: string[];
}

export interface DetectResult {
  /** The profile to use: --profile if given, else the first device with a known driver. */
  profile?: string;
  /** 'option' (--profile), 'devlink' (detected), 'none' (nothing found). */
  source: 'option' | 'devlink' | 'none';
  devices: DetectedDevice[];
  /** One line for an operator. */
  message: string;
}

function portNames(ports: DevlinkPort[], h: DevlinkHandle): string[] {
  return ports
    .filter((p) => p.handle.bus === h.bus && p.handle.dev === h.dev && p.netdev !== undefined)
    .map((p) => p.netdev as string);
}

/**
 * Lists devlink devices and maps their drivers. `explicit` (the --profile option) always wins,
 * but the devices are still reported.
 */
export async function detectProfile(client: DevlinkClient, explicit?: string): Promise<DetectResult> {
  const handles = await client.devices();
  const ports = handles.length ? await client.ports() : [];
  const devices: DetectedDevice[] = [];
  for (const h of handles) {
    const info = await client.info(h);
    const m = profileForDriver(info.driver);
    const d: DetectedDevice = { handle: handleString(h), driver: info.driver, ports: portNames(ports, h) };
    if (m) {
      d.profile = m.profile;
      d.note = m.note;
    }
    devices.push(d);
  }
  if (explicit) {
    return { profile: explicit, source: 'option', devices, message: `profile ${explicit} (given with --profile)` };
  }
  const hit = devices.find((d) => d.profile !== undefined);
  if (hit) {
    return { profile: hit.profile, source: 'devlink', devices, message: `profile ${hit.profile}: devlink device ${hit.handle} runs driver ${hit.driver}` };
  }
  if (devices.length === 0) {
    return { source: 'none', devices, message: 'no devlink device found: cannot detect the switch; pass --profile NAME (e.g. software, linux-bridge)' };
  }
  return {
    source: 'none',
    devices,
    message: `no profile for driver(s) ${devices.map((d) => `${d.driver} (${d.handle})`).join(', ')}; pass --profile NAME`,
  };
}
