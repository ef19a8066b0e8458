// SPDX-License-Identifier: MIT OR GPL-2.0
/* cfm.bpf.c's CPU protection (seed 002): the compiled policy of src/cpu-protection in the cp_*
 * maps (cfm_maps.bpf.h), enforced before anything else looks at a frame; token buckets in integer
 * nanotokens, as the native policer's. */
#ifndef CFM_CP_BPF_H
#define CFM_CP_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "cfm_bpf.h"
#include "cfm_maps.bpf.h"
#include "cfm_parse.bpf.h"

/* The native policer's token bucket (cpu_protection.cc, bucket.ts) in integers: depth max(1, rate)
 * frames, full when created, refill elapsed ns x rate nanotokens; rate 0 drops everything. */
static __always_inline int cp_take(struct cfm_cp_bucket *b, __u32 rate, __u64 now) {
  if (rate == 0) {
    b->dropped++;
    return 0;
  }
  if (now > b->last_ns) {
    __u64 cap = (rate > 1 ? (__u64)rate : 1) * CFM_CP_TOKEN;
    __u64 el = now - b->last_ns;
    if (el >= CFM_CP_TOKEN) b->tokens = cap; /* a second refills any depth */
    else {
      b->tokens += el * rate;
      if (b->tokens > cap) b->tokens = cap;
    }
    b->last_ns = now;
  }
  if (b->tokens >= CFM_CP_TOKEN) {
    b->tokens -= CFM_CP_TOKEN;
    b->passed++;
    return 1;
  }
  b->dropped++;
  return 0;
}

static __always_inline int cp_bucket_take(__u32 binding, __u32 combo, __u64 peer, __u32 rate, __u64 now) {
  struct cfm_cp_bucket_key k = {.binding = binding, .combo = combo, .peer = peer};
  struct cfm_cp_bucket *b = bpf_map_lookup_elem(&cp_buckets, &k);
  if (!b) {
    struct cfm_cp_bucket nb = {.tokens = (rate > 1 ? (__u64)rate : 1) * CFM_CP_TOKEN, .last_ns = now};
    bpf_map_update_elem(&cp_buckets, &k, &nb, BPF_NOEXIST);
    b = bpf_map_lookup_elem(&cp_buckets, &k);
    if (!b) return 1; /* table full: fail open, as a policer without a bucket would */
  }
  return cp_take(b, rate, now);
}

/* CPU protection (seed 002) for one CFM frame: 1 = pass, 0 = drop. Same order as the native
 * policer: binding (exact VLAN, else port-wide), squelched levels, first matching entry (one
 * bucket per level x opcode, per source MAC unless aggregate), else the overall rate. */
static __always_inline int cp_admit(void *data, void *data_end, const struct frame_info *fi, __u64 tstamp) {
  if (cfg_cp_gate && cp_nports == 0) return 1; /* no port policed: no lookup per frame */
  __u32 *port = bpf_map_lookup_elem(&cp_ports, &fi->ifindex);
  if (!port) return 1;
  __u8 *p = data + fi->pdu;
  if ((void *)(p + 2) > data_end) return 1;
  __u32 level = p[0] >> 5;
  __u32 opcode = p[1];
  struct cfm_cp_binding_key bk = {.port = *port, .vlan = fi->vlan};
  struct cfm_cp_binding *b = fi->vlan && (!cfg_cp_gate || cp_vlan_bindings) ? bpf_map_lookup_elem(&cp_bindings, &bk) : 0;
  if (!b) {
    bk.vlan = 0;
    b = bpf_map_lookup_elem(&cp_bindings, &bk);
  }
  if (!b) return 1;
  __u32 ck = 0;
  __u64 *clk = bpf_map_lookup_elem(&cp_clock, &ck);
  __u64 now = clk && *clk ? tstamp : bpf_ktime_get_ns();
  if (b->squelch_mask & (1u << level)) {
    __sync_fetch_and_add(&b->squelched, 1);
    return 0;
  }
  __u8 *src = data + 6;
  if ((void *)(src + 6) > data_end) return 1;
  __u64 mac = ((__u64)src[0] << 40) | ((__u64)src[1] << 32) | ((__u64)src[2] << 24) | ((__u64)src[3] << 16) |
              ((__u64)src[4] << 8) | src[5];
  for (__u32 i = 0; i < CFM_CP_MAX_RULES; i++) {
    if (i >= b->nrules) break;
    struct cfm_cp_rule *r = &b->rules[i];
    if (!(r->level_mask & (1u << level)) || !(r->ops[(opcode >> 5) & 7] & (1u << (opcode & 31)))) continue;
    __u64 peer = (b->flags & 1) ? 0 : mac;
    __u32 combo = i * 2048 + level * 256 + opcode;
    if (peer && cfg_cp_gate) {
      /* a bucket keyed by this MAC exists only once the MAC is in cp_peers (entries leave only
       * with the whole policy): the same decision as below, one lookup instead of two */
      struct cfm_cp_bucket_key kk = {.binding = b->index, .combo = combo, .peer = peer};
      struct cfm_cp_bucket *kb = bpf_map_lookup_elem(&cp_buckets, &kk);
      if (kb) return cp_take(kb, r->rate, now);
    }
    if (peer) {
      struct cfm_cp_peer_key pk = {.binding = b->index, .peer = peer};
      if (!bpf_map_lookup_elem(&cp_peers, &pk)) {
        if (b->npeers >= b->max_peers) peer = CFM_CP_OTHER_PEER;
        else {
          __u8 one = 1;
          if (bpf_map_update_elem(&cp_peers, &pk, &one, BPF_NOEXIST) == 0) __sync_fetch_and_add(&b->npeers, 1);
        }
      }
    }
    return cp_bucket_take(b->index, combo, peer, r->rate, now);
  }
  if (b->flags & 2) return cp_bucket_take(b->index, CFM_CP_OVERALL_SLOT * 2048, 0, b->overall_rate, now);
  __sync_fetch_and_add(&b->unmatched, 1);
  return 1;
}

#endif
