/**
 * Frames in and out of a set of ports. The engine sends and receives whole Ethernet frames
 * (DA, SA, tags, EtherType 0x8902, CFM PDU; no FCS) through a FramePort; each backend and the
 * simulator provide one.
 *
 * `towards` says which way a frame leaves the MP (802.1Q 19.2, seed 003): a down MEP sends to the
 * wire ('wire'); an up MEP sends into the bridge relay ('relay'), which forwards it out of the
 * other ports of the service as it forwards data.
 */
export type FrameDirection = 'wire' | 'relay';

export interface FrameRx {
  /** Port name the frame was seen on. */
  port: string;
  /** The frame as it was on the wire (VLAN tags restored). */
  frame: Uint8Array;
  /** Where it came from: 'wire' = received on the port from the link; 'relay' = from the bridge. */
  from: FrameDirection;
  /** Receive time on the port's clock, ns. */
  rxNs: number;
}

export interface FramePort {
  send(port: string, frame: Uint8Array, towards?: FrameDirection): void;
  /** Subscribe to received frames; returns an unsubscribe function. */
  onReceive(handler: (rx: FrameRx) => void): () => void;
}
