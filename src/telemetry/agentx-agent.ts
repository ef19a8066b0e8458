/**
 * `--agentx [SOCKET]` / startAgentx(): the IEEE8021-CFM-MIB of one manager, served read-only
 * through an AgentX master (net-snmp's snmpd with `master agentx`), and dot1agCfmFaultAlarm sent
 * whenever a MEP's FNG raises an alarm (802.1Q 20.35.6 reportDefect; the notification carries
 * dot1agCfmMepHighestPrDefect of that MEP).
 *
 * The view is rebuilt from a fresh snapshot when a request finds it older than `cacheMs`
 * (default 1000 ms), so a walk costs one status read per second, not one per variable.
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

export function startAgentx(manager: OffloadManager, o: AgentxOptions = {}): AgentxSubagent {
  const address = typeof o.socket === 'object' ? o.socket : parseAgentxAddress(o.socket);
  const observer = observe(manager);
  const cacheMs = o.cacheMs ?? 1000;
  let view: { at: number; mib: MibView; snap: TelemetrySnapshot } | null = null;
  let building: Promise<{ at: number; mib: MibView; snap: TelemetrySnapshot }> | null = null;
  const fresh = (maxAgeMs: number) => {
    if (view && Date.now() - view.at <= maxAgeMs) return Promise.resolve(view);
    building ??= takeSnapshot(manager).then((snap) => {
      view = { at: Date.now(), mib: buildCfmMib(snap, observer), snap };
      building = null;
      return view;
    }, (e: unknown) => {
      building = null;
      throw e;
    });
    return building;
  };
  const session = new AgentxSession({
    address, subtrees: SERVED_TABLES, view: async () => (await fresh(cacheMs)).mib, log: o.log, retryMs: o.retryMs,
  });
  const onAlarm = async (e: FaultEvent) => {
    // The indexes of the MEP come from the applied config (a fresh view if the MEP is new).
    let v = view?.snap.byKey.get(e.mep);
    if (!v) v = (await fresh(0).catch(() => null))?.snap.byKey.get(e.mep);
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
