/**
 * Y.1731 fault signalling from the configuration (LocalMep.faultSignalling, docs/y1731.md):
 *  - AIS (7.4): the engine MEP sends it to the client level on signal fail. A software MEP sees
 *    its own defects; a hardware MEP's defects come from its VOE (hw-mep.ts), so they are handed
 *    to the VOE's engine part as `externalSignalFail` and its engine part sends the AIS.
 *    Received AIS / LCK suppress only the LOC alarm (G.8021 cLOC; the engine's FNG rule): for a
 *    hardware MEP the condition its engine part detects is mirrored onto the VOE's FNG.
 *  - LCK (7.6): sent while `locked` (configuration, or `cfm mep set --lock on|off`).
 *  - CSF (7.7): an up MEP with csf-enabled sends CSF-LOS while its (client-facing) port is
 *    down, and one CSF-DCI when it comes back; checked once per CSF period.
 */
import type { Clock, TimerHandle } from '../../common/clock.js';
import { intervalNs } from '../../common/interval.js';
import type { CfmModel, LocalMep } from '../../config/model.js';
import type { FaultEvent, FaultListener } from '../../engine/events.js';
import type { FaultNotificationGenerator } from '../../engine/fng.js';
import type { Mep } from '../../engine/mep.js';
import { ensureY } from '../../engine/mep-y1731.js';
import { findMep } from '../changes.js';
import type { MepConfig, PortState } from '../../engine/types.js';

/** The engine configuration of a MEP's AIS (spread into mepConfigOf / companionConfigOf). */
export function faultSignalConfig(mep: LocalMep): Partial<MepConfig> {
  const fs = mep.faultSignalling;
  if (!fs) return {};
  return { aisClientLevel: fs.clientLevel, aisPeriod: fs.period, aisPriority: fs.priority, ...(fs.ais ? {} : { aisEnabled: false }) };
}

/** What fault signalling needs of its manager. */
export interface SignalHost {
  clock(): Clock;
  /** The engine MEP of a key (a software MEP or a hardware MEP's engine part), if running. */
  findMep(key: string): Mep | undefined;
  /** The FNG of a hardware MEP (its VOE's defects), if the MEP is in hardware. */
  hwFng(key: string): FaultNotificationGenerator | undefined;
  portState(port: string): PortState;
  onFault(fn: FaultListener): () => void;
}

const SF_BITS = 0b11100; // defRemoteCCM, defErrorCCM, defXconCCM: signal fail (Y.1731 7.4.1, G.8021 aTSF)

export class FaultSignals {
  /** This switch's enabled MEPs with fault signalling, by key. */
  private meps = new Map<string, LocalMep>();
  /** The keys of `meps` with CSF enabled (the CSF timer runs while there is one). */
  private readonly csfKeys = new Set<string>();
  /** Up MEPs sending CSF-LOS now (the engine MEP that sends it: a restarted MEP starts again). */
  private readonly csfOn = new Map<string, Mep>();
  private csfTimer: TimerHandle | null = null;
  private unsub: (() => void) | null = null;

  constructor(private readonly host: SignalHost) {}

  /**
   * Make the running MEPs signal as `model` says (after every apply and change). `scope`: the keys
   * a change may have changed (their config, their engine MEP, their hardware part); the other
   * MEPs' signalling is as the last sync left it and their CSF follows their port at the next CSF
   * check (once per CSF period, Y.1731 7.7), so a change costs O(changed MEPs). null: every MEP
   * (a full apply).
   */
  sync(model: CfmModel, switchName: string, scope: ReadonlySet<string> | null = null): void {
    const wanted = (m: LocalMep | undefined): m is LocalMep => m !== undefined && m.switch === switchName && m.enabled && m.faultSignalling !== undefined;
    if (scope === null) {
      this.meps = new Map();
      this.csfKeys.clear();
      for (const d of model.domains) for (const a of d.associations) for (const m of a.meps) if (wanted(m)) this.setMep(m);
    } else {
      for (const key of scope) {
        const m = findMep(model, key);
        if (wanted(m)) this.setMep(m);
        else {
          this.meps.delete(key);
          this.csfKeys.delete(key);
        }
      }
    }
    for (const key of scope ?? [...this.csfOn.keys()]) if (!this.meps.get(key)?.faultSignalling?.csf) this.csfOn.delete(key);
    this.unsub ??= this.host.onFault((e) => this.onEvent(e));
    for (const key of scope ?? this.meps.keys()) {
      const m = this.meps.get(key);
      const em = m && this.host.findMep(key);
      if (!m || !em) continue;
      const fs = m.faultSignalling!;
      ensureY(em).setLock(fs.locked, fs.period);
      this.hwSignalFail(key);
    }
    this.armCsf(scope);
  }

  private setMep(m: LocalMep): void {
    this.meps.set(m.key, m);
    if (m.faultSignalling!.csf) this.csfKeys.add(m.key);
    else this.csfKeys.delete(m.key);
  }

  stop(): void {
    this.csfTimer?.cancel();
    this.csfTimer = null;
    this.unsub?.();
    this.unsub = null;
  }

  /** A hardware MEP's VOE defects as its engine part's signal fail; AIS/LCK received there suppress the VOE's LOC alarm. */
  private onEvent(e: FaultEvent): void {
    if (e.type === 'defect' && e.source !== 'software' && this.meps.has(e.mep)) this.hwSignalFail(e.mep);
    if (e.type === 'condition' && (e.condition === 'ais' || e.condition === 'lck')) {
      const fng = this.host.hwFng(e.mep);
      const y = this.host.findMep(e.mep)?.y;
      if (fng && y) fng.suppressed = y.aisActive || y.lckActive;
    }
  }

  private hwSignalFail(key: string): void {
    if (!this.meps.get(key)?.faultSignalling?.ais) return;
    const fng = this.host.hwFng(key);
    const em = this.host.findMep(key);
    if (!fng || !em) return;
    const y = ensureY(em);
    const sf = (fng.defects & SF_BITS) !== 0;
    if (y.externalSignalFail === sf) return;
    y.externalSignalFail = sf;
    y.signalFailChanged();
  }

  /** Check CSF now for `scope` (null: every MEP) and keep the CSF timer running while a MEP has CSF. */
  private armCsf(scope: ReadonlySet<string> | null): void {
    if (!this.csfKeys.size && !this.csfOn.size) {
      this.csfTimer?.cancel();
      this.csfTimer = null;
      return;
    }
    this.checkCsf(scope ?? undefined);
    if (this.csfTimer) return;
    const csf = [...this.csfKeys].map((k) => this.meps.get(k)!);
    const period = Math.min(...csf.map((m) => intervalNs(m.faultSignalling!.period)), intervalNs(6));
    const tick = (): void => {
      this.csfTimer = this.host.clock().setTimer(period, tick);
      this.checkCsf();
    };
    this.csfTimer = this.host.clock().setTimer(period, tick);
  }

  /** CSF-LOS while an up MEP's port is down (Y.1731 7.7); DCI once when it is back. */
  private checkCsf(keys: Iterable<string> = this.csfKeys): void {
    for (const key of keys) {
      const m = this.meps.get(key);
      const fs = m?.faultSignalling;
      if (!m || !fs?.csf) continue;
      const em = this.host.findMep(key);
      if (!em) continue;
      const down = this.host.portState(m.port).ifStatus !== 'up';
      if (down && this.csfOn.get(key) !== em) {
        this.csfOn.set(key, em);
        ensureY(em).setClientSignalFail('los', fs.period);
      } else if (!down && this.csfOn.has(key)) {
        this.csfOn.delete(key);
        ensureY(em).setClientSignalFail(null, fs.period);
      }
    }
  }
}
