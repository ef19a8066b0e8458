/**
 * CCM transmission keep-alive. CC_CCM_TX's PERIOD is how many seconds the kernel keeps sending
 * before it stops by itself (cfm-facts 1.3), not the CCM interval: re-sending the identical
 * request every PERIOD/3 only extends the end time. If this process dies, transmission stops
 * within PERIOD seconds and the peers see LOC, which is the intent.
 */
import type { Clock, TimerHandle } from '../../common/clock.js';
import type { CfmCommand } from '../../netlink/bridge-cfm.js';

export class KeepAlive {
  private readonly timers = new Map<number, TimerHandle>();
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly periodS: number,
    /** The CC_CCM_TX to re-send for an instance now, or undefined to stop. */
    private readonly request: (instance: number) => { cmd: CfmCommand; what: string } | undefined,
    private readonly send: (cmds: CfmCommand[], what: string) => Promise<void>,
    private readonly onError: () => void,
  ) {}

  /** (Re)start the refresh of `instance` (PERIOD/3 from now), or stop it when it does not transmit. */
  arm(instance: number, transmits: boolean): void {
    this.stop(instance);
    if (!transmits || this.closed) return;
    const everyNs = Math.max(1, Math.floor((this.periodS * 1e9) / 3));
    const tick = (): void => {
      const r = this.request(instance);
      if (!r || this.closed) {
        this.timers.delete(instance);
        return;
      }
      this.send([r.cmd], r.what).catch(this.onError);
      this.timers.set(instance, this.clock.setTimer(everyNs, tick));
    };
    this.timers.set(instance, this.clock.setTimer(everyNs, tick));
  }

  armed(instance: number): boolean {
    return this.timers.has(instance);
  }

  stop(instance: number): void {
    this.timers.get(instance)?.cancel();
    this.timers.delete(instance);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }
}
