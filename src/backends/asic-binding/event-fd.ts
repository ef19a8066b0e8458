/**
 * Waiting for a shim's event fd (vendor C ABI group "event_fd") on the libuv loop, through the
 * N-API addon (native/addon/event_fd.cc: a one-shot uv_poll on a dup of the fd). The fd becomes
 * readable when events or punted frames are pending; the watch fires once and is re-armed by the
 * caller after it drained the device (which makes the fd unreadable again).
 */
import { loadAddon } from '../../native/addon.js';

export interface EventFdWatch {
  /** Wait for the fd (again); no-op while armed. */
  arm(): void;
  close(): void;
}

interface EventFdAddon {
  eventFdWatch(fd: number, onReadable: (err?: Error) => void): number;
  eventFdArm(id: number): void;
  eventFdClose(id: number): void;
  eventFdReadable(fd: number, timeoutMs: number): boolean;
}

function addonOf(): EventFdAddon | null {
  try {
    const a = loadAddon() as unknown as Partial<EventFdAddon>;
    return typeof a.eventFdWatch === 'function' && typeof a.eventFdArm === 'function' && typeof a.eventFdClose === 'function' && typeof a.eventFdReadable === 'function'
      ? (a as EventFdAddon)
      : null;
  } catch {
    return null;
  }
}

/**
 * Whether `fd` becomes readable within timeoutMs (0: is it now), blocking the caller: for checks
 * (the conformance suite), never on a running manager. null when the addon cannot be loaded.
 */
export function eventFdReadable(fd: number, timeoutMs: number): boolean | null {
  const a = addonOf();
  return a ? a.eventFdReadable(fd, Math.max(0, Math.round(timeoutMs))) : null;
}

/**
 * Watch `fd`; null when the addon (or its event fd part) cannot be loaded: the caller then polls
 * as it does for a shim without the group. The watch starts disarmed and keeps no process alive.
 */
export function watchEventFd(fd: number, onReadable: (err?: Error) => void): EventFdWatch | null {
  const a = addonOf();
  if (!a) return null;
  const id = a.eventFdWatch(fd, onReadable);
  let closed = false;
  return {
    arm: () => {
      if (!closed) a.eventFdArm(id);
    },
    close: () => {
      if (closed) return;
      closed = true;
      a.eventFdClose(id);
    },
  };
}
