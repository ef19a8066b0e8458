/**
 * Status codes of the vendor C ABI (native/asic/cfm_asic.h) and the typed error every failed
 * call becomes: a CfmError with code 'BACKEND' carrying the status name (e.g. 'ENOSPC'), so a
 * caller (planner, reconciler, CLI) can branch on "table full" or "interval not in hardware".
 */
import { CfmError } from '../../common/errors.js';

export const ASIC_STATUS = {
  OK: 0,
  EINVAL: -1,
  ENOENT: -2,
  ENOSPC: -3,
  ENOTSUP: -4,
  EBUSY: -5,
  EIO: -6,
  EBUDGET: -7,
  EAGAIN: -8,
  ENOMEM: -9,
  E2BIG: -10,
  EVERSION: -11,
} as const;

export type AsicStatusName = keyof typeof ASIC_STATUS;

export function asicStatusName(status: number): AsicStatusName | 'EUNKNOWN' {
  for (const [name, code] of Object.entries(ASIC_STATUS)) if (code === status) return name as AsicStatusName;
  return 'EUNKNOWN';
}

/** A failed ABI call: `status` is the name ('ENOSPC'), `call` the C function, `detail` the context. */
export class AsicError extends CfmError {
  readonly status: AsicStatusName | 'EUNKNOWN';
  readonly statusCode: number;
  readonly call: string;

  constructor(call: string, statusCode: number, text: string, detail?: string) {
    const status = asicStatusName(statusCode);
    super('BACKEND', `${call}${detail ? ` (${detail})` : ''}: ${status}: ${text}`);
    this.name = 'AsicError';
    this.status = status;
    this.statusCode = statusCode;
    this.call = call;
  }
}

export function isAsicError(e: unknown, status?: AsicStatusName): e is AsicError {
  return e instanceof AsicError && (status === undefined || e.status === status);
}
