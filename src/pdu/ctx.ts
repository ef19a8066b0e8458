/** Decode context: collects lenient-mode warnings and turns strict violations into errors. */
import { PduDecodeError, type DecodePhase } from './errors.js';
import type { DecodeWarning } from './types.js';

export class DecodeCtx {
  readonly warnings: DecodeWarning[] = [];
  constructor(readonly lenient: boolean) {}
  fail(phase: DecodePhase, offset: number, reason: string): never {
    throw new PduDecodeError(phase, offset, reason);
  }
  /**
   * A relaxable violation (must-be-zero bits, seed 004): an error in strict mode, a warning in
   * lenient mode (the field is then decoded using all its bits).
   */
  /** Something worth telling that is not a violation (e.g. a reserved value): a warning in both modes. */
  warn(phase: DecodePhase, offset: number, reason: string): void {
    this.warnings.push({ phase, offset, message: reason });
  }
  relax(phase: DecodePhase, offset: number, reason: string): void {
    if (!this.lenient) throw new PduDecodeError(phase, offset, reason);
    this.warnings.push({ phase, offset, message: reason });
  }
}
