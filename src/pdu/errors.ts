/**
 * Codec errors. A decode failure names the validation phase (the order an operator-facing debug
 * decoder checks a frame in, seed 004), the byte offset in the frame and the reason.
 */
import { CfmError } from '../common/errors.js';

export type DecodePhase = 1 | 2 | 3 | 4;

export const PHASE_NAMES: Record<DecodePhase, string> = {
  1: 'MAC addresses',
  2: 'multicast level/class',
  3: 'length/TLV formation',
  4: 'opcode structure',
};

export class PduDecodeError extends CfmError {
  readonly phase: DecodePhase;
  /** Byte offset in the frame (0 = first byte of the destination MAC). */
  readonly offset: number;
  /** Operator text without the phase/offset prefix. */
  readonly reason: string;
  constructor(phase: DecodePhase, offset: number, reason: string) {
    super('DECODE', `phase ${phase} (${PHASE_NAMES[phase]}) at byte ${offset}: ${reason}`);
    this.name = 'PduDecodeError';
    this.phase = phase;
    this.offset = offset;
    this.reason = reason;
  }
}

/** A PDU object that cannot be encoded as given (a value that does not fit its field). */
export class PduEncodeError extends CfmError {
  constructor(message: string) {
    super('ENCODE', message);
    this.name = 'PduEncodeError';
  }
}

/** A file that is not a (valid) pcap or pcapng; `offset` is the byte offset in the file. */
export class PcapError extends CfmError {
  readonly offset: number;
  constructor(offset: number, reason: string) {
    super('PCAP', `pcap: at byte ${offset}: ${reason}`);
    this.name = 'PcapError';
    this.offset = offset;
  }
}
