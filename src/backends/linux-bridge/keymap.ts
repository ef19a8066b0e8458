/**
 * VOE keys for the kernel bridge CFM. The kernel stores only a u32 MEP "instance" per bridge;
 * it has no room for our key ("md1/ma1/mep5"). So:
 *
 * 1. The instance is derived from the key: FNV-1a 32-bit of the UTF-8 key, masked to 31 bits
 *    (and never 0). The same key gives the same instance on every run, so a restarted manager
 *    recognises its MEPs by hashing its desired keys, even without the key map file.
 * 2. A small key map (instance -> key) resolves the rare collision (the next free instance is
 *    used) and names MEPs whose desired key is not known yet. It lives in memory and, when a
 *    path is given, in a JSON file `{ "version": 1, "bridge": "br0", "entries": { "<instance>": "<key>" } }`
 *    rewritten on every change.
 * 3. A MEP found in the kernel that neither the map nor a hash explains (created by another tool,
 *    e.g. microchip-ung/cfm) is reported with the key `linux-bridge:<bridge>/<instance>`.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { CfmError } from '../../common/errors.js';

export function instanceForKey(key: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(key)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const v = h & 0x7fffffff;
  return v === 0 ? 1 : v;
}

export function foreignKey(bridge: string, instance: number): string {
  return `linux-bridge:${bridge}/${instance}`;
}

interface KeyMapFile {
  version: 1;
  bridge: string;
  entries: Record<string, string>;
}

export class KeyMap {
  private readonly byInstance = new Map<number, string>();

  constructor(private readonly bridge: string, private readonly path?: string) {
    if (path && existsSync(path)) this.load(path);
  }

  private load(path: string): void {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new CfmError('CONFIG', `linux-bridge key map ${path}: not JSON (${(e as Error).message})`);
    }
    const f = data as Partial<KeyMapFile>;
    if (f.version !== 1 || typeof f.entries !== 'object' || f.entries === null) {
      throw new CfmError('CONFIG', `linux-bridge key map ${path}: expected {"version":1,"bridge":...,"entries":{...}}`);
    }
    if (f.bridge !== this.bridge) return; // a map of another bridge: not ours to use
    for (const [k, v] of Object.entries(f.entries)) {
      const inst = Number(k);
      if (!Number.isInteger(inst) || inst <= 0 || typeof v !== 'string') {
        throw new CfmError('CONFIG', `linux-bridge key map ${path}: bad entry "${k}": ${JSON.stringify(v)}`);
      }
      this.byInstance.set(inst, v);
    }
  }

  private save(): void {
    if (!this.path) return;
    const f: KeyMapFile = { version: 1, bridge: this.bridge, entries: {} };
    for (const [i, k] of [...this.byInstance].sort((a, b) => a[0] - b[0])) f.entries[String(i)] = k;
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(f, null, 2) + '\n');
    renameSync(tmp, this.path);
  }

  keyOf(instance: number): string | undefined {
    return this.byInstance.get(instance);
  }

  instanceOf(key: string): number | undefined {
    for (const [i, k] of this.byInstance) if (k === key) return i;
    return undefined;
  }

  /**
   * The instance for a new VOE: its hash, or the next one not used in the kernel (`used`) nor
   * by another key. Records it.
   */
  allocate(key: string, used: ReadonlySet<number>): number {
    const known = this.instanceOf(key);
    if (known !== undefined && !used.has(known)) {
      return known;
    }
    let inst = instanceForKey(key);
    while (used.has(inst) || (this.byInstance.has(inst) && this.byInstance.get(inst) !== key)) {
      inst = inst >= 0x7fffffff ? 1 : inst + 1;
    }
    this.byInstance.set(inst, key);
    this.save();
    return inst;
  }

  /** A VOE keeps its instance when its key changes (updateVoe with a new key). */
  rename(instance: number, key: string): void {
    if (this.byInstance.get(instance) === key) return;
    this.byInstance.set(instance, key);
    this.save();
  }

  forget(instance: number): void {
    if (this.byInstance.delete(instance)) this.save();
  }

  /** Drop entries whose instance is no longer in the kernel (MEPs deleted behind our back). */
  retain(present: ReadonlySet<number>): void {
    let changed = false;
    for (const i of [...this.byInstance.keys()]) {
      if (!present.has(i)) {
        this.byInstance.delete(i);
        changed = true;
      }
    }
    if (changed) this.save();
  }
}
