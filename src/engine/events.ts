/**
 * One fault event shape for software MEPs (this engine) and hardware MEPs (the offload manager
 * feeds hardware defects into a FaultNotificationGenerator with source 'hardware'). Plain JSON.
 */
import type { DefectName, RmepState } from './types.js';

export type FaultEventType =
  | 'defect'        // one of the five defects went active / inactive
  | 'alarm'         // FNG reported a defect (802.1Q 20.35 xmitFaultAlarm)
  | 'alarm-clear'   // FNG went back to fngReset after fngResetTime without defects
  | 'remote-mep'    // a remote MEP changed state (start / ok / failed)
  | 'condition';    // Y.1731 condition (AIS, LCK, CSF) entered or left

export interface FaultEvent {
  /** Time on the engine's clock, ns. */
  atNs: number;
  /** MEP key. */
  mep: string;
  type: FaultEventType;
  defect?: DefectName;
  active?: boolean;
  /** Highest-priority defect present after the event (all defects, not filtered). */
  highestDefect: DefectName | 'none';
  remoteMepId?: number;
  /** For 'remote-mep': the new state. */
  state?: RmepState;
  /** For 'condition': 'ais' | 'lck' | 'csf-los' | 'csf-fdi' | 'csf-rdi'. */
  condition?: string;
  /** True when an alarm was suppressed by AIS/LCK (Y.1731 7.4). */
  suppressed?: boolean;
  source: 'software' | 'hardware';
}

export type FaultListener = (e: FaultEvent) => void;

/** Render an event as one operator line: `   12.500000s md1/ma1/1 alarm defRemoteCCM`. */
export function formatEvent(e: FaultEvent): string {
  const t = (e.atNs / 1e9).toFixed(6).padStart(12);
  let what: string = e.type;
  if (e.type === 'defect') what = `defect ${e.defect} ${e.active ? 'raised' : 'cleared'}`;
  else if (e.type === 'alarm') what = `ALARM ${e.defect}${e.suppressed ? ' (suppressed by AIS/LCK)' : ''}`;
  else if (e.type === 'alarm-clear') what = 'alarm cleared';
  else if (e.type === 'remote-mep') what = `remote MEP ${e.remoteMepId} -> ${e.state}`;
  else if (e.type === 'condition') what = `condition ${e.condition} ${e.active ? 'entered' : 'left'}`;
  return `${t}s ${e.mep} ${what}${e.source === 'hardware' ? ' [hw]' : ''}`;
}
