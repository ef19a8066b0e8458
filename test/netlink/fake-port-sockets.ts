/**
 * Stand-in AF_PACKET sockets for the linux-bridge backend's CPU path (frames.ts) in host tests:
 * what the backend sends per port, and a way to deliver frames as if received from the wire.
 */
import type { PortSocket, PortSocketFactory } from '../../src/backends/linux-bridge/frames.js';

export class FakePortSockets {
  readonly sent: Array<{ port: string; frame: Uint8Array }> = [];
  private readonly handlers = new Map<string, (frames: Uint8Array[], readMonoNs: number) => void>();
  readonly open = new Set<string>();

  readonly factory: PortSocketFactory = (port) => {
    this.open.add(port);
    const s: PortSocket = {
      send: (frame) => {
        this.sent.push({ port, frame: Uint8Array.from(frame) });
        return true;
      },
      onFrames: (h) => {
        this.handlers.set(port, h);
      },
      close: () => {
        this.open.delete(port);
        this.handlers.delete(port);
      },
    };
    return s;
  };

  /** A frame arrives from the wire on `port`. */
  receive(port: string, frame: Uint8Array): void {
    this.handlers.get(port)?.([frame], Number(process.hrtime.bigint()));
  }
}

/** An untagged CFM frame header + PDU start: level, opcode (CCM 1, LBM 3), rest zero. */
export function cfmFrame(level: number, opcode: number, sa = '02:aa:00:00:00:01'): Uint8Array {
  const f = new Uint8Array(14 + 75);
  f.set([0x01, 0x80, 0xc2, 0x00, 0x00, 0x30 + level]);
  f.set(sa.split(':').map((x) => parseInt(x, 16)), 6);
  f[12] = 0x89;
  f[13] = 0x02;
  f[14] = level << 5;
  f[15] = opcode;
  f[17] = opcode === 1 ? 70 : 4;
  return f;
}
