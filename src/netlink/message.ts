/**
 * Netlink messages (struct nlmsghdr: u32 len, u16 type, u16 flags, u32 seq, u32 pid; RFC 3549
 * 2.3.2): encoding of requests, splitting received datagrams (a dump part carries many
 * messages), and decoding NLMSG_ERROR acks with their extended-ack TLVs.
 */
import { type Attr, align4, attrsSize, find, getStr, getU32, parseAttrs, writeAttrs } from './attrs.js';
import {
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
} from './constants.js';
import { NetlinkParseError } from './errors.js';

export interface NlHeader {
  type: number;
  flags: number;
  seq: number;
  /** Sender port id: 0 = kernel. */
  portId: number;
}

export interface NlMessage extends NlHeader {
  /** Everything after the 16-byte header (family header + attributes), nlmsg_len - 16 bytes. */
  payload: Uint8Array;
}

/**
 * Builds one message: header, a fixed family header (ifinfomsg, genlmsghdr; padded to 4) and
 * attributes. nlmsg_len counts all of it.
 */
export function encodeMessage(hdr: NlHeader, familyHeader: Uint8Array, attrs: Attr[] = []): Uint8Array {
  const famLen = align4(familyHeader.length);
  const len = NLMSG_HDRLEN + famLen + attrsSize(attrs);
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, len, true);
  dv.setUint16(4, hdr.type, true);
  dv.setUint16(6, hdr.flags, true);
  dv.setUint32(8, hdr.seq >>> 0, true);
  dv.setUint32(12, hdr.portId >>> 0, true);
  out.set(familyHeader, NLMSG_HDRLEN);
  writeAttrs(out, NLMSG_HDRLEN + famLen, attrs);
  return out;
}

/** Splits a datagram into its messages (NLMSG_ALIGN'ed one after the other). */
export function splitMessages(datagram: Uint8Array): NlMessage[] {
  const dv = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  const out: NlMessage[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= datagram.length) {
    const len = dv.getUint32(off, true);
    if (len < NLMSG_HDRLEN || off + len > datagram.length) {
      throw new NetlinkParseError(`message at byte ${off} has nlmsg_len ${len}, ${datagram.length - off} bytes left`);
    }
    out.push({
      type: dv.getUint16(off + 4, true),
      flags: dv.getUint16(off + 6, true),
      seq: dv.getUint32(off + 8, true),
      portId: dv.getUint32(off + 12, true),
      payload: datagram.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  if (off < datagram.length && datagram.length - off >= 4) {
    throw new NetlinkParseError(`${datagram.length - off} trailing bytes after the last message`);
  }
  return out;
}

/** struct nlmsgerr decoded: errno 0 is a positive ack. */
export interface NlAck {
  /** Positive errno (the kernel sends it negated), 0 = success. */
  errno: number;
  /** Header of the request this answers. */
  request: NlHeader & { len: number };
  /** NLMSGERR_ATTR_MSG, '' if absent. */
  extack: string;
  /** NLMSGERR_ATTR_OFFS: byte offset of the offending attribute in the request. */
  badAttrOffset?: number;
}

export function isError(m: NlMessage): boolean {
  return m.type === NLMSG_ERROR;
}

export function isDone(m: NlMessage): boolean {
  return m.type === NLMSG_DONE;
}

export function decodeAck(m: NlMessage): NlAck {
  const p = m.payload;
  if (p.length < 4 + NLMSG_HDRLEN) {
    throw new NetlinkParseError(`NLMSG_ERROR payload is ${p.length} bytes, needs ${4 + NLMSG_HDRLEN}`);
  }
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const error = dv.getInt32(0, true);
  const request = {
    len: dv.getUint32(4, true),
    type: dv.getUint16(8, true),
    flags: dv.getUint16(10, true),
    seq: dv.getUint32(12, true),
    portId: dv.getUint32(16, true),
  };
  const ack: NlAck = { errno: error === 0 ? 0 : -error, request, extack: "" };
  if (m.flags & NLM_F_ACK_TLVS) {
    // Without NETLINK_CAP_ACK the whole request is echoed before the TLVs.
    const tlvStart = 4 + (m.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : align4(request.len));
    if (tlvStart <= p.length) {
      const tlvs = parseAttrs(p, tlvStart, p.length, 'NLMSG_ERROR extended ack');
      const msg = find(tlvs, NLMSGERR_ATTR_MSG);
      if (msg) ack.extack = getStr(msg);
      const offs = find(tlvs, NLMSGERR_ATTR_OFFS);
      if (offs) ack.badAttrOffset = getU32(offs);
    }
  }
  return ack;
}

/** Encodes an NLMSG_ERROR as the kernel does (tests and fakes use it). */
export function encodeAck(
  req: NlHeader & { len: number },
  errno: number,
  extack = '',
  opts: { capped?: boolean; portId?: number; echoed?: Uint8Array } = {},
): Uint8Array {
  const capped = opts.capped ?? true;
  const tlvs: Attr[] = extack ? [{ type: NLMSGERR_ATTR_MSG, value: nulTerminated(extack) }] : [];
  const echo = capped ? new Uint8Array(NLMSG_HDRLEN) : new Uint8Array(align4(req.len));
  const dv = new DataView(echo.buffer);
  dv.setUint32(0, req.len, true);
  dv.setUint16(4, req.type, true);
  dv.setUint16(6, req.flags, true);
  dv.setUint32(8, req.seq, true);
  dv.setUint32(12, req.portId, true);
  if (!capped && opts.echoed) echo.set(opts.echoed.subarray(NLMSG_HDRLEN, req.len), NLMSG_HDRLEN);
  const body = new Uint8Array(4 + echo.length);
  new DataView(body.buffer).setInt32(0, -errno, true);
  body.set(echo, 4);
  const flags = (capped ? NLM_F_CAPPED : 0) | (tlvs.length ? NLM_F_ACK_TLVS : 0);
  return encodeMessage({ type: NLMSG_ERROR, flags, seq: req.seq, portId: opts.portId ?? 0 }, body, tlvs);
}

function nulTerminated(s: string): Uint8Array {
  const e = new TextEncoder().encode(s);
  const b = new Uint8Array(e.length + 1);
  b.set(e);
  return b;
}
