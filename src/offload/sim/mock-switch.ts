/**
 * A mock-ASIC switch as a SimNetwork node: frames the ASIC puts on the wire go onto the node's
 * links, frames arriving from a link are injected into the ASIC's port. The ASIC follows the
 * network's virtual clock. An offload manager on top (see demo.ts) makes it a whole switch.
 *
 * `cutTx(port)` drops what this switch sends out of a port while it still receives: a fiber
 * broken in one direction (the case where the far end learns of the fault only through RDI,
 * 802.1Q 20.9.6). SimNetwork links cut both directions.
 */
import { MockAsicBackend } from '../../backends/mock/backend.js';
import type { MockAsicOptions } from '../../backends/mock/options.js';
import type { SimNetwork, SimNode } from '../../sim/network.js';

export class MockSwitchNode implements SimNode {
  readonly backend: MockAsicBackend;
  readonly ports: readonly string[];
  private readonly txCut = new Set<string>();
  private readonly detach: Array<() => void> = [];

  constructor(
    readonly name: string,
    private readonly net: SimNetwork,
    options: MockAsicOptions = {},
  ) {
    this.backend = new MockAsicBackend(options);
    this.ports = this.backend.ports();
    this.detach.push(this.backend.attachVirtualClock(net.clock));
    this.detach.push(
      this.backend.onWireTransmit((port, frame) => {
        if (!this.txCut.has(port)) this.net.transmit(this.name, port, frame);
      }),
    );
    net.addNode(this);
  }

  receive(port: string, frame: Uint8Array): void {
    this.backend.injectFromWire(port, frame.slice());
  }

  /** The simulator cut or restored the link on `port`: the switch's port goes down / up. */
  linkChanged(port: string, up: boolean): void {
    this.backend.setPortState(port, { operStatus: up ? 'up' : 'down' });
  }

  /** Stop (true) or resume (false) transmission out of `port` (one-way fiber cut). */
  cutTx(port: string, cut = true): void {
    if (cut) this.txCut.add(port);
    else this.txCut.delete(port);
  }

  async close(): Promise<void> {
    for (const d of this.detach.splice(0)) d();
    await this.backend.close();
  }
}
