// SPDX-License-Identifier: MIT OR GPL-2.0
/* cfm.bpf.c's per-peer pieces: the peer's rMEPwhile timer (802.1Q 20.20), the rate limit of error
 * frames, and the peer's copy of its MEP (struct peer_mep_copy, cfm_maps.bpf.h) that lets a steady
 * CCM be judged with one lookup. */
#ifndef CFM_PEER_BPF_H
#define CFM_PEER_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "cfm_bpf.h"
#include "cfm_maps.bpf.h"

#define CLOCK_MONOTONIC_ 1 /* the clock of the peers' bpf_timers (bpf_timer_init) */

/* rMEPwhile of one peer (802.1Q 20.20): re-armed for the rest of the timeout while CCMs come. */
static int peer_timer(void *map, struct cfm_peer_key *key, struct peer_state *v) {
  __u64 now = bpf_ktime_get_ns();
  __u64 last = v->p.last_seen_ns;
  __u64 to = v->p.timeout_ns;
  if (now - last < to) {
    bpf_timer_start(&v->timer, last + to - now, 0);
    return 0;
  }
  if (v->p.loc) return 0;
  struct cfm_rec *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
  if (!r) {
    struct cfm_stats *stt = st();
    if (stt) stt->ring_full++;
    bpf_timer_start(&v->timer, 1000000, 0); /* retry in 1 ms */
    return 0;
  }
  v->p.loc = 1;
  /* A CCM that raced in on another CPU after `last` was read: it saw loc = 0 and took its
   * own path (a gap >= timeout is sent up as a LOC episode), so withdraw this one. */
  if (v->p.last_seen_ns != last) {
    v->p.loc = 0;
    bpf_ringbuf_discard(r, 0);
    bpf_timer_start(&v->timer, to, 0);
    return 0;
  }
  r->type = CFM_REC_LOC;
  r->ifindex = key->ifindex;
  /* The LOC starts at the deadline (802.1Q 20.20: rMEPwhile = last CCM + 3.5 intervals), not when
   * this timer got to run, which may be later: the same stamp as the AF_PACKET checker and the
   * engine. `last` is this program's clock at the CCM, after the skb's receive stamp by the
   * softirq's delay (a few us; tens under load): the stamp is never before the deadline. */
  r->at_ns = last + to;
  r->prev_seen_ns = last;
  r->prev_seq = v->p.last_seq;
  r->len = 0;
  r->peer = key->mepid;
  r->vlan = key->vlan;
  r->level = key->level;
  r->flags = CFM_REC_F_PREV_SEEN;
  r->pad = 0;
  bpf_ringbuf_submit(r, 0);
  struct cfm_stats *stt = st();
  if (stt) stt->loc++;
  return 0;
}

/* A rate-limited error frame (issue 17: per peer, not per MEP): from each peer (source MAC +
 * MEPID) at most one per half interval per kind reaches user space, enough to keep its condition
 * (cleared 3.5 intervals after the last one) alive and to let user space see every offending
 * peer, not only the first one of a half interval. A MEP sends up at most
 * CFM_ERR_PEERS_PER_WINDOW peers per kind per half interval (a spoofed-MAC flood is CPU
 * protection's job; this bounds what gets past it); the rest are counted as suppressed. */
static __always_inline int err_due(struct cfm_mep *m, const struct cfm_mep_key *mk, int kind, __u16 mepid,
                                   const __u8 *mac, __u64 now) {
  if (kind < 0 || kind >= CFM_ERR_KINDS) return 0;
  __u64 half = m->interval_ns / 2;
  struct cfm_err_key ek = {.ifindex = mk->ifindex, .vlan = mk->vlan, .level = mk->level, .kind = kind, .mepid = mepid};
  __builtin_memcpy(ek.mac, mac, 6);
  __u64 *last = bpf_map_lookup_elem(&err_peers, &ek);
  if (last && now - *last < half) {
    m->err_suppressed++;
    return 0;
  }
  if (now - m->err_last_ns[kind] >= half || !m->err_last_ns[kind]) {
    m->err_last_ns[kind] = now;
    m->err_burst[kind] = 0;
  }
  if (m->err_burst[kind] >= CFM_ERR_PEERS_PER_WINDOW) {
    m->err_suppressed++;
    return 0;
  }
  m->err_burst[kind]++;
  if (last) *last = now;
  else bpf_map_update_elem(&err_peers, &ek, &now, BPF_ANY);
  return 1;
}

static __always_inline int mac_differs(const __u8 *a, const __u8 *b) {
  return (a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) | (a[5] ^ b[5]);
}

/* The frame's MAID (48 bytes at p) equals the copy's, as six 8-byte words (x86-64 and arm64 load
 * unaligned packet words; the verifier allows it where the CPU does). */
static __always_inline int maid_eq(const __u8 *p, const __u64 *maid) {
  __u64 d = 0;
#pragma unroll
  for (int i = 0; i < 6; i++) d |= *(const __u64 *)(p + 8 * i) ^ maid[i];
  return d == 0;
}

/* The generation for a copy about to be made, read so that the MEP lookup after it cannot be
 * satisfied before it. x86-64 never reorders a load with a later load, but a weakly ordered CPU
 * (arm64: the SparX-5 boards) may, and could then stamp an old MEP with a new generation: a stale
 * copy that would stay until the next MEP write. BPF ISA v1 has no barrier or load-acquire, but
 * bpf_spin_unlock is a store-release and bpf_spin_lock a load-acquire, and a release followed by
 * an acquire on one CPU is ordered (both architectures' RCsc acquire/release): the generation load
 * completes before the first unlock, the second lock's acquire after that, and the MEP lookup
 * after the acquire. The writer bumps the generation with a full barrier after the map update
 * (bpf_datapath.cc BumpMepGeneration). Two uncontended lock pairs, once per peer per MEP change. */
static __always_inline __u64 gen_before_mep(struct peer_state *v) {
  __u64 g;
  bpf_spin_lock(&v->lock);
  g = mep_gen;
  bpf_spin_unlock(&v->lock);
  bpf_spin_lock(&v->lock);
  bpf_spin_unlock(&v->lock);
  return g;
}

/* Copy the MEP's steady-check fields into the peer (see struct peer_mep_copy). `gen` was read
 * before the MEP lookup with gen_before_mep, so a copy is never older than its stamp; under the
 * peer's lock, and only forward, so two CPUs refreshing at once cannot leave a mix of an old and a
 * new MEP. A CCM that reads the copy while it is written (the same peer on another CPU within
 * those nanoseconds, as the MEP changes) is judged by either: it raced the configuration change
 * itself. */
static __always_inline void copy_mep(struct peer_state *v, const struct cfm_mep *m, __u64 gen) {
  const __u64 *maid = (const __u64 *)m->maid;
  __u64 w0 = maid[0], w1 = maid[1], w2 = maid[2], w3 = maid[3], w4 = maid[4], w5 = maid[5];
  __u16 mepid = m->mepid;
  __u8 interval = m->interval, priority = m->priority;
  bpf_spin_lock(&v->lock);
  if (v->c.gen < gen) {
    v->c.maid[0] = w0;
    v->c.maid[1] = w1;
    v->c.maid[2] = w2;
    v->c.maid[3] = w3;
    v->c.maid[4] = w4;
    v->c.maid[5] = w5;
    v->c.mepid = mepid;
    v->c.interval = interval;
    v->c.priority = priority;
    v->c.gen = gen;
  }
  bpf_spin_unlock(&v->lock);
}

#endif
