/**
 * Kernel errors from the addon as typed errors: every failed syscall in native code throws an
 * Error carrying `errno`, `syscall` and `code` ('ENODEV', ...); `fromNative` turns it into an
 * OsError (a CfmError) that names the call, the object and the errno.
 */
import { CfmError, type CfmErrorCode } from '../common/errors.js';

export class OsError extends CfmError {
  /** errno value (Linux numbering), e.g. 19 for ENODEV. */
  readonly errno: number;
  /** Name of the failing call, e.g. 'bind', 'setns', 'send'. */
  readonly syscall: string;
  /** Symbolic errno, e.g. 'ENODEV'. */
  readonly errnoCode: string;
  constructor(code: CfmErrorCode, message: string, errno: number, syscall: string, errnoCode: string, cause?: unknown) {
    super(code, message, { cause });
    this.name = 'OsError';
    this.errno = errno;
    this.syscall = syscall;
    this.errnoCode = errnoCode;
  }
}

interface NativeErrorShape {
  message: string;
  errno?: unknown;
  syscall?: unknown;
  code?: unknown;
}

function isNativeError(e: unknown): e is NativeErrorShape {
  return e instanceof Error && typeof (e as NativeErrorShape).errno === 'number';
}

/** Map an error thrown by the addon; anything that is not a syscall error is passed through. */
export function fromNative(e: unknown, context: string): unknown {
  if (!isNativeError(e)) {
    if (e instanceof TypeError || e instanceof RangeError) return new CfmError('BACKEND', `${context}: ${e.message}`, { cause: e });
    return e;
  }
  const errno = e.errno as number;
  const errnoCode = typeof e.code === 'string' ? e.code : 'EUNKNOWN';
  const syscall = typeof e.syscall === 'string' ? e.syscall : 'unknown';
  const hint = errnoCode === 'EPERM' || errnoCode === 'EACCES' ? ' (raw sockets need root or CAP_NET_RAW)' : '';
  return new OsError('BACKEND', `${context}: ${e.message}${hint}`, errno, syscall, errnoCode, e);
}

/** Run a native call and rethrow its error typed. */
export function callNative<T>(context: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fromNative(e, context);
  }
}
