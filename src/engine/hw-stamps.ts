/**
 * What a VOE with hardware LM (vendor C ABI group "pm", docs/vendor-abi.md 5c) adds to an LMR it
 * receives: the initiator's RxFCl at the LMR's arrival, in the 4 bytes after the PDU's End TLV
 * (Y.1731 9.13 has no field for it; 8.1.2 needs it for the near-end loss).
 */

/** Offset just after the End TLV of the PDU at `p` (Y.1731 9.1: TLVs from 4 + first TLV offset), or -1. */
export function afterEndTlv(b: Uint8Array, p: number): number {
  let i = p + 4 + b[p + 3];
  while (i < b.length) {
    if (b[i] === 0) return i + 1;
    if (i + 3 > b.length) return -1;
    i += 3 + ((b[i + 1] << 8) | b[i + 2]);
  }
  return -1;
}

/**
 * The LMM an LMR answers when a VOE rewrote its TxFCf: the newest one awaiting a reply (insertion
 * order of `outstanding`). Exact while replies come back within one message period (the older
 * ones awaiting a reply were lost); a slower round trip shifts the attribution of replies to
 * frames (the loss figures come from the counters in the frames and stay exact).
 */
export function newestKey<K>(outstanding: Map<K, unknown>): K | undefined {
  let last: K | undefined;
  for (const k of outstanding.keys()) last = k;
  return last;
}

/** RxFCl the VOE wrote after the LMR at `p`, or undefined when the frame has no room for it. */
export function voeRxFcl(b: Uint8Array, p: number): number | undefined {
  const at = afterEndTlv(b, p);
  if (at < 0 || at + 4 > b.length) return undefined;
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}
