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
 *
 * The pieces, one concern each, included below: cfm_maps.bpf.h (maps, .data/.rodata globals),
 * cfm_parse.bpf.h (VLAN tags, where the CFM header is), cfm_ring.bpf.h (send_up: frames and
 * records to user space), cfm_peer.bpf.h (the peer's timer, error rate limit and MEP copy),
 * cfm_cp.bpf.h (CPU protection). Here: handle_cfm, the 802.1Q 20.16 ProcessCCM steps it runs, and
 * the two programs.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "cfm_bpf.h"
#include "cfm_maps.bpf.h"
#include "cfm_parse.bpf.h"
#include "cfm_ring.bpf.h"
#include "cfm_peer.bpf.h"
#include "cfm_cp.bpf.h"

#define OPCODE_CCM 1
#define CCM_FIRST_TLV_OFFSET 70
#define MAX_TLVS 6

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* One CCM as handle_cfm's steps share it: a stack value that only these inlined steps see (the
 * map keys stay apart: their addresses go to the helpers). */
struct ccm_rx {
  const __u8 *p;         /* the CFM header, checked up to the first TLV (ccm_parse) */
  struct peer_state *v;  /* the peer (0: not looked up yet, or not configured) */
  struct cfm_mep *m;     /* the MEP, when the slow path looked it up (0 on the steady path) */
  __u64 now;
  __u64 gen;             /* mep_gen as the steady check read it */
  __u32 seq;
  __u16 mepid;
  __u8 level;
  __u8 rdi;
  __u8 interval;
  __u8 priority;         /* the MEP's expected PCP: the peer's copy's or the MEP's */
  __u8 pst, ist;         /* Port / Interface Status TLV values (0: none) */
};

/* What a step tells handle_cfm. */
enum ccm_step {
  CCM_NEXT = 0, /* go on with the next step */
  CCM_UP = 1,   /* send the frame up as it is (user space judges it) */
  CCM_DONE = 2, /* nothing more to do (sent up already, or not to be sent) */
};

/* The CCM's header, before any lookup. */
static __always_inline int ccm_parse(void *data, void *data_end, const struct frame_info *fi, struct ccm_rx *c) {
  const __u8 *p = data + fi->pdu;
  if ((void *)(p + 4) > data_end) return CCM_DONE;
  __u8 level = p[0] >> 5;
  c->level = level;
  if (p[1] != OPCODE_CCM) return CCM_UP;
  /* A short CCM, or one whose first TLV is not at offset 70, goes up whether or not a MEP is
   * there (user space says what is wrong): checked before any lookup. */
  if ((void *)(p + 75) > data_end) return CCM_UP;
  if (p[3] != CCM_FIRST_TLV_OFFSET) return CCM_UP;
  /* The receive validity rule every placement shares (src/engine/ccm.ts invalidCcm, 802.1Q
   * 20.51): a CCM it calls invalid must never update a peer here, so what the program cannot
   * judge as valid goes up, where it is discarded and counted. MEPID read with all 16 bits
   * (21.6.2: reserved bits set or 0 = no MEPID of the MA); source MAC neither zero nor a group
   * address; destination not zero, and a CFM group destination (01-80-C2-00-00-3x) only the class 1
   * address of the CCM's own level (Table 8-15). */
  if ((p[8] & 0xe0) || (p[8] | p[9]) == 0) return CCM_UP;
  {
    __u8 *eth = data;
    if ((void *)(eth + 12) > data_end) return CCM_DONE;
    if ((eth[6] & 1) || (eth[6] | eth[7] | eth[8] | eth[9] | eth[10] | eth[11]) == 0) return CCM_UP;
    if ((eth[0] | eth[1] | eth[2] | eth[3] | eth[4] | eth[5]) == 0) return CCM_UP;
    if (eth[0] == 0x01 && eth[1] == 0x80 && eth[2] == 0xc2 && eth[3] == 0 && eth[4] == 0 &&
        (eth[5] & 0xf0) == 0x30 && eth[5] != 0x30 + level)
      return CCM_UP;
  }
  __u8 flags = p[2];
  c->p = p;
  c->rdi = flags >> 7;
  c->interval = flags & 7;
  c->seq = ((__u32)p[4] << 24) | ((__u32)p[5] << 16) | ((__u32)p[6] << 8) | p[7];
  c->mepid = (((__u16)p[8] << 8) | p[9]) & 0x1fff;
  return CCM_NEXT;
}

/* The steady path (cfg_peer_first): one lookup, the peer by (port, VLAN, level, MEPID), and the
 * same 802.1Q 20.16 checks as below against its copy of the MEP: MAID (20.16.2), MEPID neither
 * ours (dUNM) nor unknown (the peer exists), interval (20.16.4 dUNP), priority (20.16.9, tagged
 * frames). Anything else, or a stale copy, takes the slow path below, as before.
 * 1: the copy judged the CCM (c->v, c->priority set); 0: the slow path decides. */
static __always_inline int ccm_copy_check(const struct frame_info *fi, const struct cfm_peer_key *pk, struct ccm_rx *c) {
  if (!cfg_peer_first) return 0;
  c->gen = mep_gen;
  struct peer_state *v = bpf_map_lookup_elem(&peers, pk);
  c->v = v;
  if (v && v->c.gen == c->gen && c->interval == v->c.interval && c->mepid != v->c.mepid &&
      !(fi->pcp >= 0 && fi->pcp != v->c.priority) && maid_eq(c->p + 10, v->c.maid)) {
    c->priority = v->c.priority;
    return 1;
  }
  return 0;
}

/* The slow path: the MEP by (port, VLAN, level), judged as the copy would be (refreshing the
 * peer's copy when it is stale), each failure an error kind (cfm_err_kind) sent up rate-limited
 * (err_due). CCM_NEXT: a configured peer's CCM that passed (c->v, c->m, c->priority set). */
static __always_inline int ccm_mep_check(void *ctx, int is_xdp, void *data, void *data_end, const struct frame_info *fi,
                                         struct cfm_stats *stt, const struct cfm_peer_key *pk,
                                         const struct cfm_mep_key *mk, struct ccm_rx *c) {
  struct peer_state *v = c->v;
  __u64 gen = c->gen;
  int refresh = cfg_peer_first && v && v->c.gen != gen;
  if (refresh) gen = gen_before_mep(v);
  struct cfm_mep *m = bpf_map_lookup_elem(&meps, mk);
  if (!m) return CCM_UP;                        /* no MEP here: the engine (or dUNL at a higher MEP) */
  if (refresh) copy_mep(v, m, gen);
  c->m = m;
  c->priority = m->priority;
  int bad = -1;
  for (int i = 0; i < 48; i++) {
    if (c->p[10 + i] != m->maid[i]) {
      bad = CFM_ERR_MAID;
      break;
    }
  }
  if (bad < 0) {
    if (!cfg_peer_first) v = bpf_map_lookup_elem(&peers, pk);
    if (!v || c->mepid == m->mepid) bad = CFM_ERR_MEPID;
    else if (c->interval != m->interval) bad = CFM_ERR_PERIOD;
  }
  if (bad >= 0 || !v) {
    __u8 *esrc = (__u8 *)data + 6;
    if ((void *)(esrc + 6) > data_end) return CCM_DONE;
    if (err_due(m, mk, bad, c->mepid, esrc, c->now)) send_up(ctx, is_xdp, fi, stt, CFM_REC_FRAME, c->now, 0, 0, c->level, 0);
    return CCM_DONE;
  }
  c->v = v;
  return CCM_NEXT;
}

/* TLVs (802.1Q 21.4.5): first at offset 4 + 70 from the CFM header; End TLV stops. A frame
 * whose TLVs do not end cleanly within a few goes up: user space judges it.
 * 1: they ended cleanly (c->pst, c->ist set). */
static __always_inline int ccm_tlvs(void *data, void *data_end, const struct frame_info *fi, struct ccm_rx *c) {
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
  c->pst = pst;
  c->ist = ist;
  return ended;
}

/* A valid CCM of a configured peer that user space must see: the peer's first, a LOC episode
 * seen on arrival times, a change of RDI, Port/Interface Status or source MAC, or a wrong priority
 * (an error kind, rate-limited). */
static __always_inline int ccm_changed(const struct frame_info *fi, const __u8 *src, const struct cfm_mep_key *mk,
                                       const struct ccm_rx *c) {
  struct peer_state *v = c->v;
  /* the steady path only gets here with the right priority: m is set whenever prio_bad */
  int prio_bad = fi->pcp >= 0 && fi->pcp != c->priority;
  int change = !v->p.seen || v->p.loc || c->now - v->p.last_seen_ns >= v->p.timeout_ns || c->rdi != v->p.rdi ||
               c->pst != v->p.port_tlv || c->ist != v->p.if_tlv || mac_differs(src, v->p.mac);
  if (!change && prio_bad && c->m && err_due(c->m, mk, CFM_ERR_PRIORITY, c->mepid, src, c->now)) change = 1;
  return change;
}

/* The change goes up with the peer's previous kernel state, then the state follows it and
 * rMEPwhile (re)starts; when the ring buffer is full nothing is updated (the next CCM retries). */
static __always_inline void ccm_update_change(void *ctx, int is_xdp, const struct frame_info *fi, struct cfm_stats *stt,
                                              const __u8 *src, const struct ccm_rx *c) {
  struct peer_state *v = c->v;
  __u8 f = CFM_REC_F_TIMED | (v->p.seen ? CFM_REC_F_PREV_SEEN : 0);
  if (!send_up(ctx, is_xdp, fi, stt, CFM_REC_FRAME, c->now, v->p.last_seen_ns, v->p.last_seq, c->level, f)) return;
  int restart = !v->p.timer_on || v->p.loc;
  v->p.seen = 1;
  v->p.loc = 0;
  v->p.rdi = c->rdi;
  v->p.port_tlv = c->pst;
  v->p.if_tlv = c->ist;
  __builtin_memcpy(v->p.mac, src, 6);
  v->p.last_seq = c->seq;
  v->p.last_seen_ns = c->now;
  if (!v->p.timer_on) {
    bpf_timer_init(&v->timer, &peers, CLOCK_MONOTONIC_); /* -EBUSY: a racing CPU did it */
    bpf_timer_set_callback(&v->timer, peer_timer);
    v->p.timer_on = 1;
  }
  if (restart) bpf_timer_start(&v->timer, v->p.timeout_ns, 0);
}

/* steady state: 802.1Q 20.16.12 sequence check (0 = the peer does not number its CCMs) */
static __always_inline void ccm_update_steady(const struct ccm_rx *c, struct cfm_stats *stt) {
  struct peer_state *v = c->v;
  if (c->seq != 0 && c->seq != v->p.last_seq + 1) v->p.seq_errors++;
  v->p.last_seq = c->seq;
  v->p.last_seen_ns = c->now;
  v->p.valid++;
  if (stt) stt->consumed++;
}

/* Returns 1 when the frame was consumed (steady state), 0 when it went (or should go) up. */
static __always_inline int handle_cfm(void *ctx, int is_xdp, void *data, void *data_end, struct frame_info *fi,
                                      struct cfm_stats *stt) {
  struct ccm_rx c = {.now = bpf_ktime_get_ns()};
  int r = ccm_parse(data, data_end, fi, &c);
  if (r == CCM_DONE) return 0;
  if (r == CCM_UP) goto up;
  struct cfm_peer_key pk = {.ifindex = fi->ifindex, .vlan = fi->vlan, .mepid = c.mepid, .level = c.level};
  struct cfm_mep_key mk = {.ifindex = fi->ifindex, .vlan = fi->vlan, .level = c.level};
  if (!ccm_copy_check(fi, &pk, &c)) {
    r = ccm_mep_check(ctx, is_xdp, data, data_end, fi, stt, &pk, &mk, &c);
    if (r == CCM_DONE) return 0;
    if (r == CCM_UP) goto up;
  }
  if (!ccm_tlvs(data, data_end, fi, &c)) goto up;
  __u8 *src = (__u8 *)data + 6;
  if ((void *)(src + 6) > data_end) return 0;
  if (ccm_changed(fi, src, &mk, &c)) {
    ccm_update_change(ctx, is_xdp, fi, stt, src, &c);
    return 0;
  }
  ccm_update_steady(&c, stt);
  return 1;
up:
  send_up(ctx, is_xdp, fi, stt, CFM_REC_FRAME, c.now, 0, 0, c.level, 0);
  return 0;
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
