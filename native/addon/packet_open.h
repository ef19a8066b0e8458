// Opening the AF_PACKET sockets of a PacketSocket (packet.h): the CFM filter before the bind,
// kernel receive times, the bind to one interface and the CFM multicast addresses.
#pragma once
#include "packet_filter.h"

namespace cfm {

struct RxOpen {
  int ifindex;
  bool receive;  // false: a transmit-only socket (protocol 0, on no receive list)
  int rcvbuf;    // SO_RCVBUF(FORCE) in bytes, 0 = the kernel's default
};

// One AF_PACKET socket on the interface, taking `part` of its CFM frames. Returns the fd, or
// -errno with *call naming the failed call.
int OpenRxSocket(const RxOpen& o, CfmPart part, bool membership, const char** call);

}  // namespace cfm
