/**
 * `--agentx [SOCKET]` / startAgentx(): the IEEE8021-CFM-MIB of one manager, served read-only
 * through an AgentX master (net-snmp's snmpd with `master agentx`), and dot1agCfmFaultAlarm sent
 * whenever a MEP's FNG raises an alarm (802.1Q 20.35.6 reportDefect; the notification carries
 * dot1agCfmMepHighestPrDefect of that MEP).
 *
 * The view is rebuilt from a fresh snapshot when a request finds it older than `cacheMs`
 * (default 1000 ms), so a walk costs one status read per second, not one per variable; a
 * request waits at most 500 ms for a rebuild, then the previous view answers.
 */
import type { FaultEvent } from '../engine/events.js';
import type { OffloadManager } from '../offload/manager.js';
import { AgentxSession, type SessionState } from './agentx/session.js';
import { parseOid } from './agentx/pdu.js';
import { parseAgentxAddress, type AgentxAddress } from './listen.js';
import { buildCfmMib, SERVED_TABLES } from './mib/cfm-mib.js';
import { FAULT_ALARM, HIGHEST_DEFECT_CODE, MEP_TABLE } from './mib/codes.js';
import type { MibView } from './mib/view.js';
import { observe } from './observer.js';
import { takeSnapshot, type TelemetrySnapshot } from './snapshot.js';

export interface AgentxOptions {
  /** Master socket: a Unix socket path (default /var/agentx/master) or tcp:HOST:PORT. */
  socket?: string | AgentxAddress;
  /** Rebuild the served view when older than this, ms (default 1000). */
  cacheMs?: number;
  /** Reconnect period while the master is missing, ms (default 5000). */
  retryMs?: number;
  /** Status lines (connected, lost, ...); default stderr. */
  log?: (line: string) => void;
}

export interface AgentxSubagent {
  readonly address: AgentxAddress;
  readonly state: SessionState;
  readonly notifications: { sent: number; dropped: number };
  /** Resolves once registered with the master (again after a reconnect). */
  whenOpen(): Promise<void>;
  close(): Promise<void>;
}

const HIGHEST_PR_DEFECT = [...parseOid(MEP_TABLE), 1, 13];
/** How long a request waits for a rebuild before the previous view answers. */
const STALE_WAIT_MS = 500;

export function startAgentx(manager: OffloadManager, o: AgentxOptions = {}): AgentxSubagent {
  const address = typeof o.socket === 'object' ? o.socket : parseAgentxAddress(o.socket);
  const observer = observe(manager);
  const cacheMs = o.cacheMs ?? 1000;
  type Built = { at: number; mib: MibView; snap: TelemetrySnapshot };
  let view: Built | null = null;
  let building: Promise<Built> | null = null;
  let buildMs = 0;
  const rebuild = (): Promise<Built> => {
    const t0 = Date.now();
    building ??= takeSnapshot(manager).then((snap) => {
      view = { at: Date.now(), mib: buildCfmMib(snap, observer), snap };
      buildMs = Date.now() - t0;
      building = null;
      return view;
    }, (e: unknown) => {
      building = null;
      throw e;
    });
    return building;
  };
  /**
   * A view at most `maxAgeMs` old, unless rebuilding takes longer than STALE_WAIT_MS: then the
   * previous view answers (the master times a subagent out, 7.1.4.1) and the rebuild goes on.
   */
  const fresh = async (maxAgeMs: number): Promise<Built> => {
    const have = view;
    // A large view costs (~0.5 s at 8,192 MEPs): rebuild at most every 4 build times, so a walk
    // spends at most a fifth of its time rebuilding.
    if (have && Date.now() - have.at <= Math.max(maxAgeMs, 4 * buildMs)) return have;
    const next = rebuild();
    if (!have) return next;
    next.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const stale = new Promise<Built>((r) => (timer = setTimeout(() => r(have), STALE_WAIT_MS)));
    try {
      return await Promise.race([next, stale]);
    } finally {
      clearTimeout(timer);
    }
  };
  const session = new AgentxSession({
    address, subtrees: SERVED_TABLES, view: async () => (await fresh(cacheMs)).mib, log: o.log, retryMs: o.retryMs,
  });
  const onAlarm = async (e: FaultEvent) => {
    // The indexes of the MEP come from the applied config (a fresh view if the MEP is new).
    let v = view?.snap.byKey.get(e.mep);
    if (!v) v = (await rebuild().catch(() => null))?.snap.byKey.get(e.mep);
    if (!v) return;
    await session.notify(parseOid(FAULT_ALARM), [
      { oid: [...HIGHEST_PR_DEFECT, v.mdIndex, v.maIndex, v.row.mepId], type: 2, value: HIGHEST_DEFECT_CODE[e.highestDefect] },
    ]);
  };
  const offAlarm = observer.onAlarm((e) => void onAlarm(e));
  return {
    address,
    get state() {
      return session.state;
    },
    notifications: session.notifications,
    whenOpen: () => session.whenOpen(),
    close: async () => {
      offAlarm();
      observer.release();
      await session.close();
    },
  };
}
