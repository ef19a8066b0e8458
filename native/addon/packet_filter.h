// Classic BPF program keeping only CFM frames on an ETH_P_ALL packet socket (see packet.h).
#pragma once
#include <linux/filter.h>

#include <vector>

namespace cfm {

std::vector<sock_filter> CfmFilter();

}  // namespace cfm
