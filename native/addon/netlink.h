// Netlink sockets for the cfm-offload N-API addon (rtnetlink, generic netlink).
//
// The C++ side is deliberately thin: it opens AF_NETLINK sockets (optionally inside another
// network namespace), sends whole datagrams, and delivers received datagrams to JavaScript in
// batches from a libuv poll handle on the main loop. Every nlmsghdr / attribute is built and
// parsed in TypeScript (src/netlink/).
//
// Exports (added to the addon's exports object by InitNetlink):
//   netlinkOpen(protocol: number, groups: number, netns?: string)
//       -> { fd: number, portId: number }              (throws Error with .errno)
//   netlinkSend(fd: number, datagram: Uint8Array) -> number   bytes sent (throws with .errno)
//   netlinkStart(fd: number, onBatch: (err: Error | null, datagrams: Buffer[]) => void)
//       starts delivering received datagrams (each may hold several netlink messages)
//   netlinkSetRef(fd: number, ref: boolean)   whether the open socket keeps the event loop alive
//   netlinkAddMembership(fd: number, group: number)   multicast group (any number, incl. > 32)
//   netlinkClose(fd: number)
#pragma once

#include <napi.h>

namespace cfm {
Napi::Object InitNetlink(Napi::Env env, Napi::Object exports);
}  // namespace cfm
