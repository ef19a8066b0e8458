/**
 * Packets-per-second token bucket, the same arithmetic as the mock ASIC's policers
 * (native/asic/mock_policer.c) and the native policer (native/addon/cpu_protection.cc): depth
 * max(1, rate) frames, full when created, refilled by elapsed ns x 1e-9 x rate. Doubles in the
 * same order of operations give bit-identical decisions in C and JavaScript.
 */
export interface Bucket {
  tokens: number;
  lastNs: number;
  passed: number;
  dropped: number;
}

export function newBucket(ratePps: number, nowNs: number): Bucket {
  return { tokens: ratePps > 1 ? ratePps : 1, lastNs: nowNs, passed: 0, dropped: 0 };
}

/** Take one frame; true = within the rate. Rate 0 drops everything (seed 002: "rate 0"). */
export function take(b: Bucket, ratePps: number, nowNs: number): boolean {
  if (ratePps === 0) {
    b.dropped++;
    return false;
  }
  if (nowNs > b.lastNs) {
    const cap = ratePps > 1 ? ratePps : 1;
    b.tokens += (nowNs - b.lastNs) * 1e-9 * ratePps;
    if (b.tokens > cap) b.tokens = cap;
    b.lastNs = nowNs;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    b.passed++;
    return true;
  }
  b.dropped++;
  return false;
}
