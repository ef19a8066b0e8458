#include "packet_open.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace cfm {

int OpenRxSocket(const RxOpen& o, CfmPart part, bool membership, const char** call) {
  uint16_t proto = o.receive ? htons(ETH_P_ALL) : 0;
  // Created with protocol 0 and given ETH_P_ALL only at bind: a socket created with a protocol is
  // hooked into every interface's receive at once, and bind() to one interface then unhooks it
  // first, which waits for an RCU grace period (synchronize_net: 10-20 ms here, 0.8 s for 64
  // ports). Unhooked until bind, it is hooked once, on its interface, with no wait (issue 17
  // start-up); it also queues nothing from other interfaces before the bind.
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *call = "socket";
    return -errno;
  }
  auto fail = [&](const char* c) {
    int e = errno;
    close(fd);
    *call = c;
    return -e;
  };
  // Filter before bind so no unfiltered frame is ever queued.
  if (o.receive) {
    std::vector<sock_filter> prog = CfmFilter(part);
    sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) != 0) return fail("setsockopt SO_ATTACH_FILTER");
    int one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) != 0) return fail("setsockopt PACKET_AUXDATA");
    // Receive times from the kernel (skb->tstamp, taken when the frame entered the stack), not
    // when user space read it: a CCM that arrived late but was read together with an earlier one
    // must not look in time (issue 17, loss masking). The kernel stamps software receive times on
    // CLOCK_REALTIME only (there is no monotonic option for SO_TIMESTAMP*), so each batch converts
    // them to CLOCK_MONOTONIC with the realtime-monotonic offset read at that moment; see Drain().
    if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0) return fail("setsockopt SO_TIMESTAMPNS");
    if (o.rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &o.rcvbuf, sizeof o.rcvbuf) != 0 &&
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o.rcvbuf, sizeof o.rcvbuf) != 0)
      return fail("setsockopt SO_RCVBUF");
  }
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = proto;
  sll.sll_ifindex = o.ifindex;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) return fail("bind");
  // 802.1Q 12.14.7 / Table 8-13: CCMs go to 01-80-C2-00-00-3x; a real NIC filters multicast it
  // was not asked for, so join all 16 class 1 and class 2 addresses (veth accepts anyway).
  if (membership) {
    for (uint8_t x = 0x30; x <= 0x3f; x++) {
      packet_mreq mr{};
      mr.mr_ifindex = o.ifindex;
      mr.mr_type = PACKET_MR_MULTICAST;
      mr.mr_alen = 6;
      const uint8_t addr[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, x};
      memcpy(mr.mr_address, addr, 6);
      if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) != 0) return fail("setsockopt PACKET_ADD_MEMBERSHIP");
    }
  }
  return fd;
}

}  // namespace cfm
