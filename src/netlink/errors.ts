/**
 * Netlink errors as typed CfmErrors: the kernel's errno (positive), its name, and the extended
 * ack text the kernel attached (NLMSGERR_ATTR_MSG), e.g. "MEP instance does not exists".
 */
import { CfmError } from '../common/errors.js';
import { errnoName } from './constants.js';

export class NetlinkError extends CfmError {
  /** Positive errno, e.g. 2 (ENOENT). */
  readonly errno: number;
  readonly errnoName: string;
  /** The kernel's extended ack message, or '' when it sent none. */
  readonly extack: string;
  /** Byte offset of the offending attribute in the request (NLMSGERR_ATTR_OFFS), if given. */
  readonly badAttrOffset: number | undefined;
  /** What we were doing, e.g. "bridge CFM MEP_CREATE on br0". */
  readonly operation: string;

  constructor(operation: string, errno: number, extack = '', badAttrOffset?: number) {
    const name = errnoName(errno);
    super('NETLINK', `${operation}: ${name}${extack ? ` (${extack})` : ''}`);
    this.name = 'NetlinkError';
    this.errno = errno;
    this.errnoName = name;
    this.extack = extack;
    this.badAttrOffset = badAttrOffset;
    this.operation = operation;
  }
}

/** A reply we cannot parse (truncated, bad lengths): names the place that is wrong. */
export class NetlinkParseError extends CfmError {
  constructor(message: string) {
    super('NETLINK', `malformed netlink message: ${message}`);
    this.name = 'NetlinkParseError';
  }
}
