// SPDX-License-Identifier: MIT OR GPL-2.0
/* cfm.bpf.c's way up to user space: a frame and its record (struct cfm_rec) copied through a
 * per-CPU scratch buffer into the ring buffer `events` (cfm_maps.bpf.h). */
#ifndef CFM_RING_BPF_H
#define CFM_RING_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "cfm_bpf.h"
#include "cfm_maps.bpf.h"
#include "cfm_parse.bpf.h"

struct scratch {
  struct cfm_rec rec;
  __u8 data[CFM_MAX_FRAME];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct scratch);
} scratch_buf SEC(".maps");

/* Copy the frame (the stripped tag put back after the source MAC) and its record to the ring. */
static __always_inline int send_up(void *ctx, int is_xdp, const struct frame_info *fi, struct cfm_stats *stt, __u32 type,
                                   __u64 at, __u64 prev_seen, __u32 prev_seq, __u8 level, __u8 flags) {
  __u32 k = 0;
  struct scratch *s = bpf_map_lookup_elem(&scratch_buf, &k);
  if (!s) return 0;
  __u32 len = fi->len;
  __u32 extra = fi->meta_tag ? 4 : 0;
  if (len + extra > CFM_MAX_FRAME) {
    len = CFM_MAX_FRAME - extra;
    flags |= CFM_REC_F_TRUNCATED;
    if (stt) stt->truncated++;
  }
  if (len < 14) return 0;
  long err;
  /* The verifier needs the copy length bounded in the very register passed to the helper: the
   * empty asm stops clang from reusing an unbounded copy of it. */
  if (is_xdp) {
    __u64 n = len;
    asm volatile("" : "+r"(n));
    if (n < 14 || n > CFM_MAX_FRAME) return 0;
    err = bpf_xdp_load_bytes(ctx, 0, s->data, n);
  } else if (extra) {
    err = bpf_skb_load_bytes(ctx, 0, s->data, 12);
    s->data[12] = fi->meta_tpid >> 8;
    s->data[13] = fi->meta_tpid & 0xff;
    s->data[14] = fi->meta_tci >> 8;
    s->data[15] = fi->meta_tci & 0xff;
    __u64 rest = (__u64)len - 12;
    asm volatile("" : "+r"(rest));
    if (rest < 1 || rest > CFM_MAX_FRAME - 16) return 0;
    if (!err) err = bpf_skb_load_bytes(ctx, 12, s->data + 16, rest);
    len += 4;
  } else {
    __u64 n = len;
    asm volatile("" : "+r"(n));
    if (n < 14 || n > CFM_MAX_FRAME) return 0;
    err = bpf_skb_load_bytes(ctx, 0, s->data, n);
  }
  if (err) return 0;
  s->rec.type = type;
  s->rec.ifindex = fi->ifindex;
  s->rec.at_ns = at;
  s->rec.prev_seen_ns = prev_seen;
  s->rec.prev_seq = prev_seq;
  s->rec.len = len;
  s->rec.peer = 0;
  s->rec.vlan = fi->vlan;
  s->rec.level = level;
  s->rec.flags = flags;
  s->rec.pad = 0;
  __u64 size = sizeof(struct cfm_rec) + (__u64)len;
  asm volatile("" : "+r"(size));
  if (size < sizeof(struct cfm_rec) || size > sizeof(struct scratch)) return 0;
  if (bpf_ringbuf_output(&events, s, size, 0) != 0) {
    if (stt) stt->ring_full++;
    return 0;
  }
  if (stt) stt->up++;
  return 1;
}

#endif
