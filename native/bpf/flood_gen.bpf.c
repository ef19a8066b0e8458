// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * The flood generator of the benchmarks and the flood tests (issue 17: "a 1 M frames/s CFM flood
 * at one port"), not part of the datapath. The kernel here has no pktgen module, and a packet
 * socket sender pays for an skb per frame plus, on a veth, the receiving side's softirq in its own
 * context (~2 us per frame: 0.5 M frames/s at most). This program is run with BPF_PROG_RUN in
 * live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES, Linux 5.18; what xdp-trafficgen uses): the kernel
 * builds each frame in a recycled page and the program redirects it out of `target_ifindex`
 * (ndo_xdp_xmit: on a veth, straight into the peer's receive ring, taken by the peer's NAPI, where
 * our datapath's XDP program runs, or, with GRO on and no XDP program, an skb built for tc).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* written by the loader before each run (.bss) */
volatile __u32 target_ifindex;

SEC("xdp")
int flood_tx(struct xdp_md *ctx) {
  return bpf_redirect(target_ifindex, 0);
}
