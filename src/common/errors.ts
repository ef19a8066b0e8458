/**
 * Typed errors. Every error the kit raises for bad input is a CfmError with a stable `code`,
 * so callers (CLI, bring-up scripts) can branch on it and print `message` to an operator.
 */
export type CfmErrorCode =
  | 'DECODE'      // a PDU or frame that fails validation
  | 'ENCODE'      // a PDU that cannot be encoded as given (e.g. MAID too long)
  | 'PCAP'        // a file that is not a (valid) pcap/pcapng
  | 'CONFIG'      // configuration errors (see ConfigError for the list)
  | 'PROFILE'     // hardware profile errors
  | 'BACKEND'     // a backend call failed (status code attached)
  | 'NETLINK'     // a kernel netlink error (errno + extack)
  | 'APPLY'       // a transactional apply failed (and was rolled back)
  | 'USAGE'       // bad CLI argument
  | 'UNSUPPORTED' // the machine/kernel/hardware lacks the feature
  | 'INTERNAL';

export class CfmError extends Error {
  readonly code: CfmErrorCode;
  constructor(code: CfmErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CfmError';
    this.code = code;
  }
}

export class UsageError extends CfmError {
  constructor(message: string) {
    super('USAGE', message);
    this.name = 'UsageError';
  }
}

export function isCfmError(e: unknown): e is CfmError {
  return e instanceof CfmError;
}
