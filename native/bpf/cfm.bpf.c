// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * The CFM receive fast path (issue 17): one program, attached per port at tc clsact ingress
 * (default: it sees the VLAN tag the NIC or the stack stripped, in skb metadata) or at XDP.
 *
 * Per (port, VLAN, level) a MEP and per (port, VLAN, level, MEPID) a remote MEP, written by user
 * space. A CCM at a MEP's level with the right MAID, a configured peer MEPID and the right
 * interval (802.1Q 20.16 ProcessCCM) whose RDI, Port/Interface Status TLVs and source MAC did not
 * change, and that did not arrive after rMEPwhile ran out, is a steady-state CCM: its arrival time,
 * sequence number (sequence errors, 20.16.12) and counters are kept here and nothing wakes user
 * space. Anything else goes to user space through the ring buffer as a whole frame, with the
 * peer's previous kernel state: the first CCM of a peer, a change, a late CCM (a LOC episode seen
 * on arrival times), errors (wrong MAID / MEPID / interval / priority: rate-limited per peer and
 * kind) and every other CFM frame (LBM, LTM, Y.1731, other levels and VLANs) for the engine.
 * A silent peer is declared by its bpf_timer at last CCM + rMEPwhile (802.1Q 20.20; 3.5
 * intervals, the upper bound of the standard's 3.25-3.5 window), again through the ring buffer.
 * When the ring buffer is full nothing is updated, so the change is retried with the next CCM:
 * no loss of continuity can be masked by a lost record.
 * CPU protection (seed 002) runs first: frames over their policy's rate are dropped here
 * (TC_ACT_SHOT / XDP_DROP) and counted per binding, entry x level x opcode and peer. Nothing else
 * is dropped (TC_ACT_UNSPEC / XDP_PASS: the kernel has no other consumer of 0x8902, captures work).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "cfm_bpf.h"

#define ETH_P_CFM_ 0x8902
#define TPID_C 0x8100
#define TPID_S 0x88a8
#define CLOCK_MONOTONIC_ 1
#define OPCODE_CCM 1
#define CCM_FIRST_TLV_OFFSET 70
#define MAX_TLVS 6

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* What a peer's steady-state check needs from its MEP (802.1Q 20.16 ProcessCCM: MAID, own MEPID,
 * CCM interval, expected priority), copied into the peer by this program when a CCM of the peer
 * took the slow path (the MEP lookup), and valid while `gen` equals mep_gen: user space bumps
 * mep_gen after every MEP write or delete (bpf_datapath.cc), so a changed or deleted MEP sends
 * each of its peers' next CCM through the slow path once, which judges it by the MEP map and
 * copies the new values. User space cannot write part of a hash value (an update replaces the
 * element: the kernel state and the timer would be lost), hence the copy is the program's. */
struct peer_mep_copy {
  __u64 maid[6];
  __u64 gen;   /* mep_gen when copied; 0 = never */
  __u16 mepid; /* the MEP's own MEPID */
  __u8 interval;
  __u8 priority;
  __u32 pad;
};

/* The user-readable state first (bpf_datapath.cc reads struct cfm_peer from the front), the copy
 * next to it: the steady path reads and writes the first ~120 bytes of the value only. */
struct peer_state {
  struct cfm_peer p;
  struct peer_mep_copy c;
  struct bpf_spin_lock lock; /* serialises copy refreshes from two CPUs (never held on the fast path) */
  struct bpf_timer timer;
};

/* Load-time choices (rodata, set by the loader before the load: the verifier drops the branch not
 * taken). Defaults = the datapath; the other values exist so the benchmark can load the program as
 * it was before (two hash lookups per CCM, cp_ports looked up for every frame) beside it, in one
 * run (BpfDatapath option `variant`, bench/linux-datapath.bench.ts). */
const volatile __u8 cfg_peer_first = 1; /* the steady path: one lookup (the peer, with its MEP copy) */
/* CPU protection: no cp_ports lookup while no port is policed, no exact-VLAN binding lookup while
 * no binding names a VLAN, and a known peer's bucket looked up before (instead of after) its
 * cp_peers entry */
const volatile __u8 cfg_cp_gate = 1;

/* Written by user space through the skeleton's mmap of .data (bpf_datapath.cc); both in .data,
 * side by side: every frame reads them, one cache line. */
volatile __u64 mep_gen SEC(".data") = 1;   /* bumped after each MEP write or delete (a peer copy's validity) */
volatile __u32 cp_nports SEC(".data") = 0; /* entries in cp_ports (0: no port has a CPU-protection policy) */
volatile __u32 cp_vlan_bindings SEC(".data") = 0; /* bindings with a VLAN (0: every binding is port-wide) */

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, CFM_MAX_MEPS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct cfm_mep_key);
  __type(value, struct cfm_mep);
} meps SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, CFM_MAX_PEERS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct cfm_peer_key);
  __type(value, struct peer_state);
} peers SEC(".maps");

/* When each (MEP, error kind, peer) last sent an error frame up (err_due); LRU: peers that stop
 * sending errors age out. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, CFM_ERR_PEERS);
  __type(key, struct cfm_err_key);
  __type(value, __u64);
} err_peers SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} events SEC(".maps");

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

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct cfm_stats);
} stats SEC(".maps");

static __always_inline struct cfm_stats *st(void) {
  __u32 k = 0;
  return bpf_map_lookup_elem(&stats, &k);
}

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32); /* ifindex */
  __type(value, __u32); /* policy port index */
} cp_ports SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, struct cfm_cp_binding_key);
  __type(value, struct cfm_cp_binding);
} cp_bindings SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct cfm_cp_bucket_key);
  __type(value, struct cfm_cp_bucket);
} cp_buckets SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct cfm_cp_peer_key);
  __type(value, __u8);
} cp_peers SEC(".maps");

/* [0]: 1 = take the time from skb->tstamp (BPF_PROG_TEST_RUN replays a frame sequence with its
 * own times, so the counts can be compared with the other enforcements); 0 = the kernel clock. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} cp_clock SEC(".maps");

/* What the parser found. */
struct frame_info {
  __u32 ifindex;
  __u32 len;      /* frame length (without a stripped tag) */
  __u32 pdu;      /* offset of the CFM header in the data */
  __u16 vlan;
  __s16 pcp;      /* -1: untagged */
  __u8 meta_tag;  /* tc: the outer tag is in skb metadata, not in the data */
  __u16 meta_tci;
  __u16 meta_tpid;
};

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

/* Returns 1 when the frame was consumed (steady state), 0 when it went (or should go) up. */
static __always_inline int handle_cfm(void *ctx, int is_xdp, void *data, void *data_end, struct frame_info *fi,
                                      struct cfm_stats *stt) {
  __u64 now = bpf_ktime_get_ns();
  __u8 *p = data + fi->pdu;
  if ((void *)(p + 4) > data_end) return 0;
  __u8 level = p[0] >> 5;
  if (p[1] != OPCODE_CCM) goto up;
  /* A short CCM, or one whose first TLV is not at offset 70, goes up whether or not a MEP is
   * there (user space says what is wrong): checked before any lookup. */
  if ((void *)(p + 75) > data_end) goto up;
  if (p[3] != CCM_FIRST_TLV_OFFSET) goto up;
  /* The receive validity rule every placement shares (src/engine/ccm.ts invalidCcm, 802.1Q
   * 20.51): a CCM it calls invalid must never update a peer here, so what the program cannot
   * judge as valid goes up, where it is discarded and counted. MEPID read with all 16 bits
   * (21.6.2: reserved bits set or 0 = no MEPID of the MA); source MAC neither zero nor a group
   * address; destination not zero, and a CFM group destination (01-80-C2-00-00-3x) only the class 1
   * address of the CCM's own level (Table 8-15). */
  if ((p[8] & 0xe0) || (p[8] | p[9]) == 0) goto up;
  {
    __u8 *eth = data;
    if ((void *)(eth + 12) > data_end) return 0;
    if ((eth[6] & 1) || (eth[6] | eth[7] | eth[8] | eth[9] | eth[10] | eth[11]) == 0) goto up;
    if ((eth[0] | eth[1] | eth[2] | eth[3] | eth[4] | eth[5]) == 0) goto up;
    if (eth[0] == 0x01 && eth[1] == 0x80 && eth[2] == 0xc2 && eth[3] == 0 && eth[4] == 0 &&
        (eth[5] & 0xf0) == 0x30 && eth[5] != 0x30 + level)
      goto up;
  }
  __u8 flags = p[2];
  __u8 rdi = flags >> 7;
  __u8 interval = flags & 7;
  __u32 seq = ((__u32)p[4] << 24) | ((__u32)p[5] << 16) | ((__u32)p[6] << 8) | p[7];
  __u16 mepid = (((__u16)p[8] << 8) | p[9]) & 0x1fff;
  struct cfm_peer_key pk = {.ifindex = fi->ifindex, .vlan = fi->vlan, .mepid = mepid, .level = level};
  struct peer_state *v = 0;
  struct cfm_mep *m = 0;
  struct cfm_mep_key mk = {.ifindex = fi->ifindex, .vlan = fi->vlan, .level = level};
  __u8 priority;
  /* The steady path (cfg_peer_first): one lookup, the peer by (port, VLAN, level, MEPID), and the
   * same 802.1Q 20.16 checks as below against its copy of the MEP: MAID (20.16.2), MEPID neither
   * ours (dUNM) nor unknown (the peer exists), interval (20.16.4 dUNP), priority (20.16.9, tagged
   * frames). Anything else, or a stale copy, takes the slow path below, as before. */
  __u64 gen = 0;
  if (cfg_peer_first) {
    gen = mep_gen;
    v = bpf_map_lookup_elem(&peers, &pk);
    if (v && v->c.gen == gen && interval == v->c.interval && mepid != v->c.mepid &&
        !(fi->pcp >= 0 && fi->pcp != v->c.priority) && maid_eq(p + 10, v->c.maid)) {
      priority = v->c.priority;
      goto checked;
    }
  }
  int refresh = cfg_peer_first && v && v->c.gen != gen;
  if (refresh) gen = gen_before_mep(v);
  m = bpf_map_lookup_elem(&meps, &mk);
  if (!m) goto up;                        /* no MEP here: the engine (or dUNL at a higher MEP) */
  if (refresh) copy_mep(v, m, gen);
  priority = m->priority;
  int bad = -1;
  for (int i = 0; i < 48; i++) {
    if (p[10 + i] != m->maid[i]) {
      bad = CFM_ERR_MAID;
      break;
    }
  }
  if (bad < 0) {
    if (!cfg_peer_first) v = bpf_map_lookup_elem(&peers, &pk);
    if (!v || mepid == m->mepid) bad = CFM_ERR_MEPID;
    else if (interval != m->interval) bad = CFM_ERR_PERIOD;
  }
  if (bad >= 0 || !v) {
    __u8 *esrc = (__u8 *)data + 6;
    if ((void *)(esrc + 6) > data_end) return 0;
    if (err_due(m, &mk, bad, mepid, esrc, now)) send_up(ctx, is_xdp, fi, stt, CFM_REC_FRAME, now, 0, 0, level, 0);
    return 0;
  }
checked:;
  /* TLVs (802.1Q 21.4.5): first at offset 4 + 70 from the CFM header; End TLV stops. A frame
   * whose TLVs do not end cleanly within a few goes up: user space judges it. */
  __u8 pst = 0, ist = 0;
  __u32 t = fi->pdu + 4 + CCM_FIRST_TLV_OFFSET;
  int ended = 0;
  for (int i = 0; i < MAX_TLVS; i++) {
    t &= 0x7ff;
    __u8 *q = data + t;
    if ((void *)(q + 1) > data_end) break;
    if (q[0] == 0) {
      ended = 1;
      break;
    }
    if ((void *)(q + 3) > data_end) break;
    __u16 tl = ((__u16)q[1] << 8) | q[2];
    if ((q[0] == 2 || q[0] == 4) && tl != 1) break; /* Port / Interface Status of length 1 only (21.5.4, 21.5.5) */
    if (tl == 1) {
      if ((void *)(q + 4) > data_end) break;
      if (q[0] == 2) pst = q[3];
      else if (q[0] == 4) ist = q[3];
    }
    t += 3 + tl;
  }
  if (!ended) goto up;
  __u8 *src = (__u8 *)data + 6;
  if ((void *)(src + 6) > data_end) return 0;
  /* the steady path only gets here with the right priority: m is set whenever prio_bad */
  int prio_bad = fi->pcp >= 0 && fi->pcp != priority;
  int change = !v->p.seen || v->p.loc || now - v->p.last_seen_ns >= v->p.timeout_ns || rdi != v->p.rdi ||
               pst != v->p.port_tlv || ist != v->p.if_tlv || mac_differs(src, v->p.mac);
  if (!change && prio_bad && m && err_due(m, &mk, CFM_ERR_PRIORITY, mepid, src, now)) change = 1;
  if (change) {
    __u8 f = CFM_REC_F_TIMED | (v->p.seen ? CFM_REC_F_PREV_SEEN : 0);
    if (!send_up(ctx, is_xdp, fi, stt, CFM_REC_FRAME, now, v->p.last_seen_ns, v->p.last_seq, level, f)) return 0;
    int restart = !v->p.timer_on || v->p.loc;
    v->p.seen = 1;
    v->p.loc = 0;
    v->p.rdi = rdi;
    v->p.port_tlv = pst;
    v->p.if_tlv = ist;
    __builtin_memcpy(v->p.mac, src, 6);
    v->p.last_seq = seq;
    v->p.last_seen_ns = now;
    if (!v->p.timer_on) {
      bpf_timer_init(&v->timer, &peers, CLOCK_MONOTONIC_); /* -EBUSY: a racing CPU did it */
      bpf_timer_set_callback(&v->timer, peer_timer);
      v->p.timer_on = 1;
    }
    if (restart) bpf_timer_start(&v->timer, v->p.timeout_ns, 0);
    return 0;
  }
  /* steady state: 802.1Q 20.16.12 sequence check (0 = the peer does not number its CCMs) */
  if (seq != 0 && seq != v->p.last_seq + 1) v->p.seq_errors++;
  v->p.last_seq = seq;
  v->p.last_seen_ns = now;
  v->p.valid++;
  if (stt) stt->consumed++;
  return 1;
up:
  send_up(ctx, is_xdp, fi, stt, CFM_REC_FRAME, now, 0, 0, level, 0);
  return 0;
}

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

/* In-data VLAN tags: up to two (802.1Q / 802.1ad); the first one not stripped is the outer. */
static __always_inline int parse_tags(void *data, void *data_end, struct frame_info *fi, __u8 tags) {
  __u32 off = 12;
  for (int i = 0; i < 2; i++) {
    __u8 *q = data + off;
    if ((void *)(q + 2) > data_end) return -1;
    __u16 type = ((__u16)q[0] << 8) | q[1];
    if (type == ETH_P_CFM_) {
      fi->pdu = off + 2;
      return tags;
    }
    if (type != TPID_C && type != TPID_S) return -1;
    if ((void *)(q + 4) > data_end) return -1;
    if (tags == 0) {
      fi->vlan = (((__u16)q[2] << 8) | q[3]) & 0xfff;
      fi->pcp = q[2] >> 5;
    }
    tags++;
    off += 4;
  }
  __u8 *q = data + off;
  if ((void *)(q + 2) > data_end) return -1;
  if (q[0] != 0x89 || q[1] != 0x02) return -1;
  fi->pdu = off + 2;
  return tags;
}

SEC("tc")
int cfm_tc(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *data_end = (void *)(long)skb->data_end;
  struct frame_info fi = {.ifindex = skb->ingress_ifindex ? skb->ingress_ifindex : skb->ifindex,
                          .len = skb->len, .vlan = 0, .pcp = -1};
  __u8 tags = 0;
  if (skb->vlan_present) {
    fi.meta_tag = 1;
    fi.meta_tci = skb->vlan_tci;
    fi.meta_tpid = bpf_ntohs(skb->vlan_proto);
    fi.vlan = skb->vlan_tci & 0xfff;
    fi.pcp = (skb->vlan_tci >> 13) & 7;
    tags = 1;
  }
  /* quick reject of everything but CFM (and tagged frames that may carry it) */
  if ((void *)((__u8 *)data + 14) > data_end) return TC_ACT_UNSPEC;
  __u16 et = bpf_ntohs(*(__u16 *)((__u8 *)data + 12));
  if (et != ETH_P_CFM_ && et != TPID_C && et != TPID_S) return TC_ACT_UNSPEC;
  if (data_end - data < 128 && skb->len > (__u32)(data_end - data)) {
    bpf_skb_pull_data(skb, skb->len < 128 ? skb->len : 128);
    data = (void *)(long)skb->data;
    data_end = (void *)(long)skb->data_end;
  }
  int n = parse_tags(data, data_end, &fi, tags);
  if (n < 0) return TC_ACT_UNSPEC;
  struct cfm_stats *stt = st();
  if (stt) stt->cfm_frames++;
  if (!cp_admit(data, data_end, &fi, skb->tstamp)) return TC_ACT_SHOT; /* policed: dropped here */
  if (n > 1 || fi.pdu > 64) {  /* QinQ CFM: the slow path (user space) */
    send_up(skb, 0, &fi, stt, CFM_REC_FRAME, bpf_ktime_get_ns(), 0, 0, 0, 0);
    return TC_ACT_UNSPEC;
  }
  handle_cfm(skb, 0, data, data_end, &fi, stt);
  return TC_ACT_UNSPEC;
}

SEC("xdp")
int cfm_xdp(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct frame_info fi = {.ifindex = ctx->ingress_ifindex, .len = (__u32)(data_end - data), .vlan = 0, .pcp = -1};
  int n = parse_tags(data, data_end, &fi, 0);
  if (n < 0) return XDP_PASS;
  struct cfm_stats *stt = st();
  if (stt) stt->cfm_frames++;
  if (!cp_admit(data, data_end, &fi, 0)) return XDP_DROP; /* policed before an skb exists */
  if (n > 1 || fi.pdu > 64) {
    send_up(ctx, 1, &fi, stt, CFM_REC_FRAME, bpf_ktime_get_ns(), 0, 0, 0, 0);
    return XDP_PASS;
  }
  handle_cfm(ctx, 1, data, data_end, &fi, stt);
  return XDP_PASS;
}
