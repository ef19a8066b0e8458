/**
 * The JSON text of decoded frames at capture speed (`cfm decode --json` / `--json-lines` of
 * millions of CCMs). A capture repeats a few CCM streams: only the sequence number, the MEPID and
 * the Y.1731 counters differ between the frames of one stream. The first frame of a stream is
 * rendered by the general path (renderDebug's JSON, JSON.stringify of each member); its text is
 * kept in pieces around those fields, and later frames of the stream (strictly valid by
 * decodeCcmFast, everything else byte-equal) are written from the pieces: the same text, without
 * building objects. Anything else goes through the general path.
 */
import { renderDebug } from './debug.js';
import { decodeCcmFast, newCcmView } from './fast.js';
import type { JsonObject } from './json.js';

/** Text pieces of one CCM stream around its per-frame fields. */
interface Pieces {
  /** The frame with its per-frame fields zeroed, to compare. */
  key: Uint8Array;
  pduOffset: number;
  /** `"dst":...,"firstTlvOffset":N,` */
  head: string;
  /** `,"rdi":...,"maidHex":"..."` */
  mid: string;
  /** `,"tlvs":[...]...` up to (not including) the closing brace */
  tail: string;
}

/** Members of a CCM's JSON that change from frame to frame, in their order. */
const VARYING = ['seq', 'mepId'] as const;
const COUNTERS = ['txFCf', 'rxFCb', 'txFCb'] as const;

export interface FrameLine {
  valid: boolean;
  /** Compact JSON object text (no newline). */
  json: string;
}

export class FrameJsonWriter {
  private readonly view = newCcmView();
  private readonly cache = new Map<number, Pieces>();

  constructor(private readonly lenient = false) {}

  /** The frame as `cfm decode` prints it in JSON: index, valid, the decode, `time` when given. */
  line(bytes: Uint8Array, index: number, time?: number): FrameLine {
    const v = this.view;
    if (decodeCcmFast(bytes, v, true, 'codec')) { // decodeFrame's verdict (strict must-be-zero checks)
      const po = v.pduOffset;
      const h = hashKey(bytes, po);
      let p = this.cache.get(h);
      if (p && !sameKey(p, bytes)) p = undefined;
      if (!p) {
        const made = this.pieces(bytes, po);
        if (made && this.cache.size < 4096) this.cache.set(h, made);
        p = made;
      }
      if (p) {
        const t = time === undefined ? '' : `,"time":${time}`;
        return {
          valid: true,
          json: `{"index":${index},"valid":true,${p.head}"seq":${v.seq},"mepId":${v.mepId}${p.mid},"txFCf":${v.txFCf},"rxFCb":${v.rxFCb},"txFCb":${v.txFCb}${p.tail}${t}}`,
        };
      }
    }
    return this.general(bytes, index, time);
  }

  private general(bytes: Uint8Array, index: number, time?: number): FrameLine {
    const r = renderDebug(bytes, { lenient: this.lenient, index, text: false });
    if (time !== undefined) r.json.time = time;
    return { valid: r.valid, json: JSON.stringify(r.json) };
  }

  /** Pieces from the general rendering of a valid CCM (undefined when its members are not in the expected order). */
  private pieces(bytes: Uint8Array, pduOffset: number): Pieces | undefined {
    const r = renderDebug(bytes, { lenient: this.lenient, text: false });
    if (!r.valid) return undefined;
    const keys = Object.keys(r.json).filter((k) => k !== 'valid');
    const s = keys.indexOf('seq');
    const c = keys.indexOf('txFCf');
    if (s < 0 || c < s + 2 || keys[s + 1] !== VARYING[1] || keys[c + 1] !== COUNTERS[1] || keys[c + 2] !== COUNTERS[2]) return undefined;
    const member = (k: string) => `"${k}":${JSON.stringify((r.json as JsonObject)[k])}`;
    const head = keys.slice(0, s).map((k) => member(k) + ',').join('');
    const mid = keys.slice(s + 2, c).map((k) => ',' + member(k)).join('');
    const tail = keys.slice(c + 3).map((k) => ',' + member(k)).join('');
    return { key: keyOf(bytes, pduOffset), pduOffset, head, mid, tail };
  }
}

/** Is byte i of a CCM frame (PDU at po) one of the per-frame fields (seq, MEPID, counters)? */
function varying(i: number, po: number): boolean {
  const o = i - po - 4; // offset in the CCM fixed fields
  return (o >= 0 && o < 6) || (o >= 54 && o < 66);
}

function keyOf(b: Uint8Array, po: number): Uint8Array {
  const k = b.slice();
  for (let i = 0; i < k.length; i++) if (varying(i, po)) k[i] = 0;
  return k;
}

function sameKey(p: Pieces, b: Uint8Array): boolean {
  const k = p.key;
  if (k.length !== b.length) return false;
  const po = p.pduOffset;
  const s1 = po + 4;
  const s2 = po + 4 + 54;
  for (let i = 0; i < s1; i++) if (k[i] !== b[i]) return false;
  for (let i = s1 + 6; i < s2; i++) if (k[i] !== b[i]) return false;
  for (let i = s2 + 12; i < k.length; i++) if (k[i] !== b[i]) return false;
  return true;
}

/** FNV-1a over the frame without its per-frame fields. */
function hashKey(b: Uint8Array, po: number): number {
  let h = 0x811c9dc5 ^ b.length;
  const s1 = po + 4;
  const s2 = po + 4 + 54;
  const n = b.length;
  for (let i = 0; i < s1; i++) h = Math.imul(h ^ b[i], 0x01000193);
  for (let i = s1 + 6; i < s2; i++) h = Math.imul(h ^ b[i], 0x01000193);
  for (let i = s2 + 12; i < n; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}
