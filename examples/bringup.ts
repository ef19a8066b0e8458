/**
 * Board bring-up with the cfm-offload library: copy this file and change the constants.
 *
 *   npx tsx examples/bringup.ts [CONFIG] [SWITCH]
 *
 * It validates the config, loads the board's hardware profile, opens the backend (the mock ASIC
 * here; 'vendor:/usr/lib/libcfm_shim.so' on a real board), prints the plan, applies it, watches
 * fault events for a while, prints the status and closes (hardware MEPs keep running).
 * Exit status: 0 when the plan was applied (MEPs whose peers are not cabled report LOC, which is
 * what a lone board on the mock shows), 1 on a config/profile/apply error.
 */
import {
  VirtualClock, formatEvent, formatPlan, formatStatus, isCfmError, loadConfigOrThrow, openSwitch, runVirtual,
} from 'cfm-offload'; // in this repo: src/index.ts (vitest alias, tsconfig paths)

const CONFIG = process.argv[2] ?? new URL('./board-8-down-meps.yaml', import.meta.url).pathname;
const SWITCH = process.argv[3]; // undefined: the config's only switch
const BACKEND = 'mock'; // or 'vendor:/usr/lib/libcfm_shim.so'
const WATCH_SECONDS = 5;

export async function bringup(configPath: string = CONFIG, log: (s: string) => void = console.log): Promise<number> {
  // 1. load and validate the config (ConfigError lists every problem with file:line:column)
  const model = loadConfigOrThrow(configPath);

  // 2. open the switch: profile from the config's board (or pass `profile: 'lan966x'`), backend.
  //    A VirtualClock runs the mock ASIC instantly; on hardware leave `clock` out (real time).
  const clock = new VirtualClock();
  const sw = openSwitch({ config: model, switch: SWITCH, backend: BACKEND, clock });
  try {
    // 3. plan: which MEPs the ASIC runs, which fall back to software, and why
    const plan = sw.plan();
    log(formatPlan(plan));

    // 4. subscribe to fault events (hardware and software MEPs give the same events)
    sw.onFault((e) => log(formatEvent(e)));

    // 5. apply: all-or-nothing; a failure rolls the ASIC back and throws ApplyError
    const report = await sw.apply({ onProgress: (p) => p.done === p.total && log(`applied ${p.total} operations`) });
    log(`${report.ops.length} hardware operations, ${report.softwareStarted.length} software MEPs`);

    // 6. let the sessions run, then read the status back
    await runVirtual(clock, WATCH_SECONDS * 1e9);
    const status = await sw.status();
    log(formatStatus(status));
    // A MEP whose peers are on other boards cannot hear them on a lone mock: reported, not fatal.
    const up = status.meps.filter((m) => m.remotes.every((r) => r.state === 'ok'));
    log(`${up.length} of ${status.meps.length} MEPs hear all their remote MEPs`);

    // 7. change a running MEP without reloading the config (what `cfm mep set` does): only that
    //    MEP is re-planned and reprogrammed. Loopback/linktrace: sw.loopback(key, { targetMepId }).
    const first = status.meps[0];
    if (first) {
      const ch = await sw.change({ meps: [{ key: first.key, ccmLtmPriority: 6 }] });
      log(`changed ${first.key}: ${ch.ops.map((o) => `${o.kind} ${o.key}`).join(', ') || 'nothing to program'}`);
    }
    return 0;
  } finally {
    // 8. close: the manager stops, VOEs stay programmed (a restarted manager adopts them)
    await sw.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  bringup().then(
    (code) => { process.exitCode = code; },
    (e: unknown) => {
      console.error(isCfmError(e) ? `bringup: ${e.message}` : e);
      process.exitCode = isCfmError(e) ? 1 : 70;
    },
  );
}
