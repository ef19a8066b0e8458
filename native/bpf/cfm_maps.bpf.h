// SPDX-License-Identifier: MIT OR GPL-2.0
/* cfm.bpf.c's maps and globals: the MEP and peer tables (a peer's value holds its kernel state,
 * its copy of the MEP and its rMEPwhile timer), the ring buffer to user space, the per-CPU
 * counters, CPU protection's policy tables, and the load-time (.rodata) and run-time (.data)
 * switches the loader writes (bpf_datapath.cc). The ring buffer's per-CPU scratch copy lives with
 * send_up (cfm_ring.bpf.h). */
#ifndef CFM_MAPS_BPF_H
#define CFM_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "cfm_bpf.h"

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

#endif
