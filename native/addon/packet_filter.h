// Classic BPF program keeping only CFM frames on an ETH_P_ALL packet socket (see packet.h).
#pragma once
#include <linux/filter.h>

#include <vector>

namespace cfm {

// Which CFM frames a socket takes (issue 17, continuity under a flood): all of them, only CCMs
// (opcode 1, 802.1Q Table 21-4), or every other opcode. kCcm and kNotCcm are complementary: each
// CFM frame reaches exactly one of two sockets that carry them, so a flood of LBMs / LTMs /
// Y.1731 PDUs fills only the kNotCcm socket's queue and the CCMs keep a queue of their own.
enum class CfmPart { kAll, kCcm, kNotCcm };

std::vector<sock_filter> CfmFilter(CfmPart part = CfmPart::kAll);

}  // namespace cfm
