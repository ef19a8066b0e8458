/**
 * CCM transmission interval. Everywhere in the kit an interval is the PDU's 3-bit interval code
 * (802.1Q 21.6.1.3, Table 21-1); the Linux bridge enum br_cfm_ccm_interval and the YANG
 * ccm-interval-type use the same numbers. Code 0 ("invalid") is never a configured interval.
 * This is the one place where codes turn into times and names.
 */
export type IntervalCode = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const INTERVAL_CODES: readonly IntervalCode[] = [1, 2, 3, 4, 5, 6, 7];

/** Nominal period in nanoseconds. 300 Hz is 3.333... ms: kept exact in ns (rounded). */
const PERIOD_NS: Record<IntervalCode, number> = {
  1: 3_333_333,
  2: 10_000_000,
  3: 100_000_000,
  4: 1_000_000_000,
  5: 10_000_000_000,
  6: 60_000_000_000,
  7: 600_000_000_000,
};

/** Short operator names, as printed by the CLI and used in plan reasons. */
const SHORT_NAME: Record<IntervalCode, string> = {
  1: '3.33ms',
  2: '10ms',
  3: '100ms',
  4: '1s',
  5: '10s',
  6: '1min',
  7: '10min',
};

/** IEEE 802.1Qcx YANG ccm-interval-type enum names. */
const YANG_NAME: Record<IntervalCode, string> = {
  1: '300hz',
  2: '10ms',
  3: '100ms',
  4: '1sec',
  5: '10sec',
  6: '1min',
  7: '10min',
};

export function isIntervalCode(v: unknown): v is IntervalCode {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 7;
}

export function intervalNs(code: IntervalCode): number {
  return PERIOD_NS[code];
}

export function intervalMs(code: IntervalCode): number {
  return PERIOD_NS[code] / 1_000_000;
}

export function intervalName(code: IntervalCode): string {
  return SHORT_NAME[code];
}

export function intervalYangName(code: IntervalCode): string {
  return YANG_NAME[code];
}

/**
 * Parse an interval from any spelling an operator or a config may use: the code (4), the YANG
 * name ('1sec'), the short name ('1s', '3.33ms', '3.3ms', '3ms3'), or milliseconds ('1000ms').
 * Returns undefined when it is not one of the seven standard intervals.
 */
export function parseInterval(input: string | number): IntervalCode | undefined {
  if (typeof input === 'number') return isIntervalCode(input) ? input : undefined;
  const s = input.trim().toLowerCase();
  if (/^[1-7]$/.test(s)) return Number(s) as IntervalCode;
  for (const code of INTERVAL_CODES) {
    if (s === SHORT_NAME[code] || s === YANG_NAME[code]) return code;
  }
  const aliases: Record<string, IntervalCode> = {
    '3.3ms': 1, '3ms3': 1, '3ms': 1, '300hz': 1, '3.333ms': 1,
    '1000ms': 4, '1sec': 4, '10000ms': 5, '10sec': 5, '60s': 6, '1m': 6, '60000ms': 6,
    '10m': 7, '600s': 7, '600000ms': 7, '100': 3,
  };
  return aliases[s];
}

/**
 * Remote MEP timeout: 3.5 x interval (802.1Q 20.20, rMEPwhile). A receiver checking on a
 * quarter-interval grid declares loss between 3.25 and 3.5 intervals after the last valid CCM.
 */
export function remoteMepTimeoutNs(code: IntervalCode): number {
  return Math.round(intervalNs(code) * 3.5);
}
