/** Rules every library must meet before any VOE exists: version, names, open, caps, events. */
import koffi from 'koffi';
import { ASIC_STATUS as S, BINDING_ABI_VERSION, MAX_PEERS, loadAsicLib } from '../../backends/asic-binding/index.js';
import { check } from '../check.js';
import { ABI_STRUCT_SIZES } from '../fixtures.js';
import type { ConformanceRule } from '../runner.js';

export const basicRules: ConformanceRule[] = [
  {
    id: 'abi.version-and-names',
    title: 'reports its ABI version and names every status',
    abiRule: 'cfm_asic_abi_version() returns CFM_ASIC_ABI_VERSION; cfm_asic_status_name() returns the macro name without CFM_ '
      + '(e.g. "ENOTSUP") and cfm_asic_strerror() a non-empty text for every status, also unknown ones',
    run(c) {
      checkStatusNames(c.target.libPath);
      // the struct sizes are the binding's own layouts: a mismatch is our bug, not the shim's
      for (const [t, size] of Object.entries(ABI_STRUCT_SIZES)) check.equal(koffi.sizeof(t), size, `size of ${t} in this binding`);
    },
  },
  {
    id: 'open.unknown-args',
    title: 'refuses open arguments it does not understand',
    abiRule: 'cfm_asic_open() returns CFM_EINVAL for an unknown key in its argument string and writes no handle',
    run(c) {
      const lib = loadAsicLib(c.target.libPath);
      const out: [bigint | null] = [null];
      const st = lib.open('no_such_key_42=1', out) as number;
      if (out[0] !== null) {
        const h = out[0];
        c.defer(() => lib.close(h));
      }
      check.status(st, S.EINVAL, "cfm_asic_open('no_such_key_42=1')");
    },
  },
  {
    id: 'caps.consistent',
    title: 'reports consistent capabilities',
    abiRule: 'cfm_asic_caps_get(): abi_version = CFM_ASIC_ABI_VERSION, ports >= 1, 1 <= peers_per_voe <= CFM_MAX_PEERS, interval masks use bits 1..7 only, '
      + 'known flags only (CFM_CAP_PM_* only with the optional "pm" calls), ccm_tx_mode 0..2 (no tx intervals when 0, injector budget only when 2)',
    run(c) {
      const { caps } = c;
      check.equal(caps.abi_version, BINDING_ABI_VERSION, 'caps.abi_version');
      check.ok(caps.ports > 0, `caps.ports must be >= 1, is ${caps.ports}`);
      check.ok(caps.peers_per_voe >= 1 && caps.peers_per_voe <= MAX_PEERS, `caps.peers_per_voe must be 1..${MAX_PEERS}, is ${caps.peers_per_voe}`);
      for (const [n, m] of [['tx_intervals', caps.tx_intervals], ['rx_intervals', caps.rx_intervals]] as const) {
        check.ok((m & ~0xfe) === 0, `caps.${n} 0x${m.toString(16)} has bits outside 1..7 (interval codes)`);
      }
      check.ok((caps.flags & ~0x7f) === 0, `caps.flags 0x${caps.flags.toString(16)} has unknown bits (known: CFM_CAP_* 0x7f)`);
      // CFM_CAP_PM_DM / _LM (0x60) describe the optional "pm" calls: announced only with them
      if (!c.dev.lib.pm) check.ok((caps.flags & 0x60) === 0, `caps.flags 0x${caps.flags.toString(16)} announces CFM_CAP_PM_* without the "pm" calls`);
      check.ok([0, 1, 2].includes(caps.ccm_tx_mode), `caps.ccm_tx_mode must be 0, 1 or 2, is ${caps.ccm_tx_mode}`);
      if (caps.ccm_tx_mode === 0) check.equal(caps.tx_intervals, 0, 'caps.tx_intervals with ccm_tx_mode 0 (no CCM transmission)');
      if (caps.ccm_tx_mode !== 2) check.equal(caps.injector_budget_fps, 0, 'caps.injector_budget_fps when ccm_tx_mode is not 2 (injected)');
      check.ok(typeof caps.description === 'string', 'caps.description is a NUL-terminated string');
      check.ok(caps.punt_queue_len >= 0, 'caps.punt_queue_len >= 0');
      check.status(c.dev.raw('countersGet', {}), S.OK, 'cfm_asic_counters_get');
    },
  },
  {
    id: 'events.poll-nonblocking',
    title: 'polls events without blocking',
    abiRule: 'cfm_event_poll() returns CFM_OK at once with count 0 when nothing happened (also with max 0)',
    run(c) {
      const count = [99];
      check.status(c.dev.raw('eventPoll', [], 0, count), S.OK, 'cfm_event_poll(max 0)');
      check.equal(count[0], 0, 'cfm_event_poll(max 0) count');
      check.equal(c.dev.pollEvents(), [], 'events of a device with nothing configured');
    },
  },
];

/** Status names and texts: part of abi.version-and-names, kept apart for its loop over all codes. */
export function checkStatusNames(libPath: string): void {
  const lib = loadAsicLib(libPath);
  check.equal(lib.abiVersion, BINDING_ABI_VERSION, 'cfm_asic_abi_version()');
  for (const [name, code] of Object.entries(S)) {
    check.equal(lib.statusName(code), name, `cfm_asic_status_name(${code})`);
    check.ok(lib.strerror(code).length > 0, `cfm_asic_strerror(CFM_${name}) must not be empty`);
  }
  check.ok(lib.strerror(-999).length > 0, 'cfm_asic_strerror(-999) (an unknown status) must not be empty');
}
