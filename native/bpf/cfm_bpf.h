/* Shared between the eBPF program (cfm.bpf.c and its cfm_*.bpf.h) and its loader
 * (bpf_datapath*.cc): map keys and values, and the ring-buffer records that carry state changes
 * to user space.
 * Plain fixed-width fields, explicit padding: the same layout on both sides. */
#ifndef CFM_BPF_H
#define CFM_BPF_H

#include <linux/types.h>

#define CFM_MAX_FRAME 1536 /* frames copied to user space; longer ones are truncated (flag) */
#define CFM_MAX_MEPS 8192
#define CFM_MAX_PEERS 65536

/* Error kinds rate-limited per peer (source MAC + MEPID) and kind: one frame per half interval
 * reaches user space; at most CFM_ERR_PEERS_PER_WINDOW peers per MEP and kind per half interval. */
enum cfm_err_kind { CFM_ERR_MAID = 0, CFM_ERR_MEPID = 1, CFM_ERR_PERIOD = 2, CFM_ERR_PRIORITY = 3, CFM_ERR_KINDS = 4 };

enum cfm_rec_type {
  CFM_REC_FRAME = 1, /* a CFM frame for user space: state change, error, or not a MEP's CCM */
  CFM_REC_LOC = 2,   /* the peer's rMEPwhile expired (802.1Q 20.20), declared by its bpf_timer */
};

#define CFM_REC_F_PREV_SEEN 1 /* prev_seen_ns / prev_seq are the kernel's state of the peer */
#define CFM_REC_F_TRUNCATED 2
#define CFM_REC_F_TIMED 4     /* FRAME: a configured peer's valid CCM; its rMEPwhile now runs in the kernel */

struct cfm_mep_key {
  __u32 ifindex;
  __u16 vlan; /* outer VID, 0 = untagged */
  __u8 level;
  __u8 pad;
};

struct cfm_mep {
  __u8 maid[48];
  __u64 interval_ns;
  __u64 timeout_ns;  /* rMEPwhile: 3.5 intervals */
  __u32 handle;
  __u16 mepid;       /* our own MEPID (a CCM carrying it is dUNM) */
  __u8 interval;     /* CCM interval code 1..7 */
  __u8 priority;     /* expected PCP of tagged CCMs */
  __u64 err_last_ns[CFM_ERR_KINDS]; /* start of the MEP's current half-interval window per kind */
  __u64 err_suppressed; /* error frames not sent up (rate limit) */
  __u32 err_burst[CFM_ERR_KINDS];   /* peers sent up in that window per kind */
};

#define CFM_ERR_PEERS_PER_WINDOW 16
#define CFM_ERR_PEERS 16384

/* The error rate limit's key: the MEP, the kind, and the peer as the frame names it. */
struct cfm_err_key {
  __u32 ifindex;
  __u16 vlan;
  __u8 level;
  __u8 kind;
  __u16 mepid; /* the MEPID field of the error CCM */
  __u8 mac[6]; /* its source MAC */
};

struct cfm_peer_key {
  __u32 ifindex;
  __u16 vlan;
  __u16 mepid; /* the remote MEP */
  __u8 level;
  __u8 pad[3];
};

/* The peer state user space reads (the kernel value starts with it, then its bpf_timer). */
struct cfm_peer {
  __u64 last_seen_ns; /* CLOCK_MONOTONIC arrival of the last valid CCM */
  __u64 timeout_ns;
  __u64 valid;        /* valid CCMs that stopped in the kernel */
  __u64 seq_errors;   /* sequence errors among those (802.1Q 20.16.12) */
  __u32 last_seq;
  __u8 seen, loc, rdi, port_tlv, if_tlv, timer_on;
  __u8 mac[6];
  __u8 pad[4];
};

struct cfm_rec {
  __u32 type;
  __u32 ifindex;
  __u64 at_ns;        /* FRAME: arrival; LOC: last_seen + timeout */
  __u64 prev_seen_ns; /* the peer's last valid CCM before this one (FRAME with PREV_SEEN; LOC) */
  __u32 prev_seq;
  __u16 len;          /* frame bytes that follow */
  __u16 peer;         /* LOC: remote MEPID */
  __u16 vlan;
  __u8 level;
  __u8 flags;
  __u32 pad;
};

struct cfm_stats {
  __u64 cfm_frames;   /* CFM frames seen */
  __u64 consumed;     /* valid steady-state CCMs that stopped in the kernel */
  __u64 up;           /* frames sent to user space */
  __u64 ring_full;    /* records the ring buffer had no room for (the CCM is retried as a change) */
  __u64 truncated;
  __u64 loc;          /* LOC declared by timers */
};

/* CPU protection (seed 002): the compiled policy of src/cpu-protection (the native policer's
 * program, src/cpu-protection/native.ts) in maps, token buckets in integer nanotokens. */
#define CFM_CP_MAX_RULES 14
#define CFM_CP_OVERALL_SLOT 15
#define CFM_CP_OTHER_PEER 0xffffffffffffULL
#define CFM_CP_TOKEN 1000000000ULL /* one frame = 1e9 nanotokens: refill = elapsed ns x rate */

struct cfm_cp_rule {
  __u32 level_mask;
  __u32 rate;
  __u32 ops[8];
};

struct cfm_cp_binding_key {
  __u32 port; /* the policy's port index (cp_ports maps ifindex -> it) */
  __u32 vlan; /* 0 = port-wide */
};

struct cfm_cp_binding {
  __u32 index; /* binding number in the program (counters) */
  __u32 flags; /* 1 aggregate, 2 overall rate */
  __u32 overall_rate;
  __u32 squelch_mask;
  __u32 nrules;
  __u32 max_peers;
  __u32 npeers;
  __u32 pad;
  __u64 squelched;
  __u64 unmatched;
  struct cfm_cp_rule rules[CFM_CP_MAX_RULES];
};

struct cfm_cp_bucket_key {
  __u32 binding;
  __u32 combo; /* rule x 2048 + level x 256 + opcode; overall: 15 x 2048 */
  __u64 peer;  /* source MAC, 0 aggregate, CFM_CP_OTHER_PEER past max_peers */
};

struct cfm_cp_bucket {
  __u64 tokens; /* nanotokens */
  __u64 last_ns;
  __u64 passed;
  __u64 dropped;
};

struct cfm_cp_peer_key {
  __u32 binding;
  __u32 pad;
  __u64 peer;
};

#endif
