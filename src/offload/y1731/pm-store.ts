/**
 * The proactive PM sessions of a manager (docs/y1731.md): started, restarted and stopped as the
 * configuration says (after every apply and change), read with `cfm pm show` / the API, and
 * saved in the manager's state dir (`pm-<switch>.json`, at every interval end and on close) so a
 * warm restart of the manager carries the history over when the session's configuration is the
 * same; the interval the restart cut into is flagged suspect ('restart').
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ensureStateDir } from '../../common/state-dir.js';
import { join } from 'node:path';
import { VirtualClock } from '../../common/clock.js';
import type { CfmModel, LocalMep } from '../../config/model.js';
import { findMep } from '../changes.js';
import { PmSession, type PmHost, type PmSaved, type PmSessionStatus } from './pm.js';
import { intervalAsResult, type ResultListener } from './results.js';

interface SavedFile {
  version: 1;
  switch: string;
  sessions: Record<string, PmSaved>;
}

type PmConfig = NonNullable<LocalMep['pmSessions']>[number];

export class PmSessions {
  /** By "<mep key>|<session id>". */
  private readonly sessions = new Map<string, PmSession>();
  /** The keys of `sessions` by MEP key (a change syncs only its MEPs' sessions). */
  private readonly byMep = new Map<string, Set<string>>();
  private stateDir: string | null = null;
  private switchName = 'default';
  private saved: Record<string, PmSaved> | null = null;
  private savePending = false;
  /** Every completed measurement interval, as a result (Y1731Service.onResult). */
  onInterval: ResultListener | null = null;
  /** Time of day for interval alignment: Date.now() on a real clock, the clock itself on a virtual one. */
  wallNs: () => number;

  constructor(private readonly host: Omit<PmHost, 'wallNs'>) {
    this.wallNs = () => {
      const c = host.clock();
      const base = (c as { base?: unknown }).base ?? c;
      return base instanceof VirtualClock ? c.nowNs() : Date.now() * 1e6;
    };
  }

  /** Keep the sessions' state in `dir` (null: in memory only). */
  setStateDir(dir: string | null): void {
    this.stateDir = dir;
  }

  private get file(): string | null {
    return this.stateDir ? join(this.stateDir, `pm-${this.switchName.replace(/[^\w.-]/g, '_')}.json`) : null;
  }

  /**
   * Start / restart / stop sessions so they match `model` (this switch's enabled MEPs): the
   * sessions of the MEPs in `scope` (the keys a change may have changed: the others' sessions
   * keep running as they are, so a change costs O(changed MEPs)), or of every MEP (null: a full
   * apply).
   */
  sync(model: CfmModel, switchName: string, scope: ReadonlySet<string> | null = null): void {
    this.switchName = switchName;
    if (this.saved === null) this.saved = this.load();
    const want = new Map<string, { key: string; cfg: PmConfig }>();
    const wantOf = (m: LocalMep | undefined): void => {
      if (!m || m.switch !== switchName || !m.enabled) return;
      for (const s of m.pmSessions ?? []) if (s.enabled) want.set(`${m.key}|${s.id}`, { key: m.key, cfg: s });
    };
    if (scope === null) {
      for (const d of model.domains) for (const a of d.associations) for (const m of a.meps) wantOf(m);
    } else for (const key of scope) wantOf(findMep(model, key));
    const have = scope === null ? [...this.sessions.keys()] : [...scope].flatMap((key) => [...(this.byMep.get(key) ?? [])]);
    for (const k of have) {
      const s = this.sessions.get(k)!;
      const w = want.get(k);
      if (w && JSON.stringify(w.cfg) === JSON.stringify(s.cfg)) continue;
      s.stop();
      this.drop(k, s.mepKey);
    }
    const host: PmHost = {
      ...this.host, wallNs: () => this.wallNs(),
      intervalEnded: (s, i) => {
        this.saveSoon();
        this.onInterval?.(s.mepKey, intervalAsResult({ mep: s.mepKey, type: s.cfg.type, target: s.status().target }, i));
      },
    };
    for (const [k, w] of want) {
      if (this.sessions.has(k)) continue;
      const restored = this.saved[k];
      delete this.saved[k];
      this.sessions.set(k, new PmSession(w.key, w.cfg, host, restored).start());
      const of = this.byMep.get(w.key);
      if (of) of.add(k);
      else this.byMep.set(w.key, new Set([k]));
    }
  }

  private drop(k: string, mepKey: string): void {
    this.sessions.delete(k);
    const of = this.byMep.get(mepKey);
    of?.delete(k);
    if (of?.size === 0) this.byMep.delete(mepKey);
  }

  show(mepKey?: string): PmSessionStatus[] {
    return [...this.sessions.values()].filter((s) => mepKey === undefined || s.mepKey === mepKey).map((s) => s.status());
  }

  /** Stop every session and save their state (the manager closes). */
  stop(): void {
    this.save();
    for (const s of this.sessions.values()) s.stop();
    this.sessions.clear();
    this.byMep.clear();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Save once after the intervals that end together (every session of a manager shares the boundaries). */
  private saveSoon(): void {
    if (!this.file || this.savePending) return;
    this.savePending = true;
    setImmediate(() => {
      this.savePending = false;
      this.save();
    });
  }

  save(): void {
    const f = this.file;
    if (!f) return;
    const out: SavedFile = { version: 1, switch: this.switchName, sessions: {} };
    for (const [k, s] of this.sessions) out.sessions[k] = s.save();
    try {
      ensureStateDir(this.stateDir!);
      writeFileSync(`${f}.tmp`, JSON.stringify(out));
      renameSync(`${f}.tmp`, f);
    } catch (e) {
      process.emitWarning(`cfm: PM state not saved to ${f}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private load(): Record<string, PmSaved> {
    const f = this.file;
    if (!f) return {};
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      return {}; // first start
    }
    try {
      const o = JSON.parse(text) as SavedFile;
      if (o.version !== 1 || typeof o.sessions !== 'object' || o.sessions === null) throw new Error('unknown format');
      return o.sessions;
    } catch (e) {
      process.emitWarning(`cfm: PM state ${f} not used (${e instanceof Error ? e.message : String(e)}): sessions start with no history`);
      return {};
    }
  }
}
