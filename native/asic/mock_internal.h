/*
 * Internal state of the mock ASIC. One `asic_t` is one simulated switch; `cfm_asic_t` handles point
 * at it (several handles share one asic when opened with the same instance=NAME).
 */
#ifndef CFM_MOCK_INTERNAL_H
#define CFM_MOCK_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "cfm_asic.h"
#include "cfm_mock.h"

#define MOCK_NAME_LEN 64
#define MOCK_PATH_LEN 512
#define MOCK_FDB_SIZE 1024
#define MOCK_UNEXP_KINDS 5 /* MEP id, MEG id, level, period, priority (CFM_STICKY_* bit order) */

/* ---- configuration from the open arguments ---- */
typedef struct mock_args {
  uint32_t ports;
  uint32_t port_voes;
  uint32_t service_voes;
  uint32_t tx_mask;
  uint32_t rx_mask;
  uint32_t peers_per_voe;
  uint32_t flags;       /* CFM_CAP_* */
  uint32_t tx_mode;     /* CFM_TX_MODE_* */
  uint32_t budget_fps;  /* 0 = unlimited */
  uint32_t policers;
  uint32_t punt_len;
  uint32_t event_len;
  uint32_t wire_len;
  uint32_t realtime;
  uint32_t time0_s;           /* device time at open (no state loaded), s */
  /* a board's behaviour (mock_board.c): per-call latency, interrupt thread + event fd, random failures */
  uint64_t latency_ns;        /* every vendor-ABI call takes this long ... */
  uint64_t jitter_ns;         /* ... plus a uniform random 0..jitter_ns */
  uint64_t frame_latency_ns;  /* cfm_frame_rx / cfm_frame_tx instead (CPU port DMA is not a register bus) */
  uint32_t interrupt;         /* 1 = event fd signalled by an interrupt thread (real time only) */
  uint32_t fail_ppm;          /* each vendor-ABI call fails with fail_random_status at this rate */
  cfm_status_t fail_random_status;
  uint64_t seed;              /* of the latency jitter and the random failures */
  /* periodic frame injection (mock_inject.c, group "inject") */
  uint32_t inject_max;        /* injections at once; 0 = no injector (cfm_inject_caps_get: ENOTSUP) */
  uint32_t inject_fps;        /* budget over all injections, 0 = budget_fps when tx_mode injected, else unlimited */
  uint32_t inject_seq;        /* 1 = CFM_INJECT_CAP_SEQ */
  char description[CFM_ASIC_DESC_LEN];
  char instance[MOCK_NAME_LEN];
  char state_path[MOCK_PATH_LEN];
} mock_args_t;

/* ---- frames ---- */
typedef struct frame_node {
  struct frame_node *next;
  cfm_frame_info_t info;
  uint8_t data[];
} frame_node_t;

typedef struct frame_queue {
  frame_node_t *head;
  frame_node_t *tail;
  uint32_t count;
  uint32_t cap;
} frame_queue_t;

/* Parsed view of a received Ethernet frame (802.1Q: up to two tags before 0x8902). */
typedef struct frame_view {
  const uint8_t *frame;
  uint32_t len;
  const uint8_t *da;
  const uint8_t *sa;
  uint32_t vlan;       /* VID of the outer tag, 0 = untagged */
  uint32_t pcp;        /* PCP of the outer tag */
  uint32_t tagged;
  uint32_t ethertype;  /* after the tags */
  const uint8_t *pdu;  /* CFM PDU (NULL if not CFM) */
  uint32_t pdu_len;
  uint32_t level;
  uint32_t opcode;
} frame_view_t;

/* ---- VOEs ---- */
typedef struct peer_state {
  uint32_t loc;
  uint32_t rdi;
  uint32_t seen;
  uint32_t port_tlv;
  uint32_t if_tlv;
  uint32_t last_seq;
  uint8_t mac[6];
  uint8_t pad[2];
  uint64_t loc_deadline_ns; /* 0 = timer stopped (LOC set, or rx off) */
} peer_state_t;

typedef struct voe {
  uint32_t in_use;
  uint32_t cc_set;          /* a CC config was written */
  cfm_voe_conf_t conf;
  cfm_cc_conf_t cc;
  peer_state_t peers[CFM_ASIC_MAX_PEERS];
  uint32_t sticky;
  uint32_t tx_seq;          /* next sequence number to send */
  uint64_t next_tx_ns;      /* 0 = tx off */
  uint64_t unexp_until_ns[MOCK_UNEXP_KINDS]; /* active unexpected-X defect clears at; 0 = inactive */
  uint64_t ccm_tx;
  uint64_t rx_valid;
  uint64_t rx_invalid;
  uint64_t rx_oo;
  uint64_t cpu_copies;
} voe_t;

typedef struct policer {
  cfm_policer_conf_t conf;
  double tokens;
  uint64_t last_ns;
  uint64_t passed;
  uint64_t dropped;
} policer_t;

/* One MP stack of the level demultiplexer: the VOEs of one (port, direction, vlan) by level
 * (802.1Q 22.3: at most one MEP per level there). Entries of an open-addressing hash table. */
typedef struct mock_stack {
  uint32_t key;           /* mock_slot_key(port, dir, 0, vlan); 0 = empty entry */
  uint32_t mask;          /* bit l set = a VOE at level l */
  uint32_t idx[8];        /* VOE index (id - 1) per level, valid where mask has the bit */
} mock_stack_t;

/* Deadline queue entry: a VOE (index = id - 1) and its earliest running timer. */
typedef struct mock_dl_entry {
  uint64_t key;
  uint32_t idx;
  uint32_t reserved;
} mock_dl_entry_t;

typedef struct fdb_entry {
  uint8_t mac[6];
  uint16_t vlan;
  uint32_t port;
  uint32_t used;
} fdb_entry_t;

/* One periodic injection (mock_inject.c). */
typedef struct mock_inj {
  uint32_t in_use;
  uint32_t running;
  cfm_status_t error;
  uint32_t port;
  uint32_t towards;
  uint32_t interval;
  uint32_t seq_offset;
  uint32_t seq;             /* of the next frame */
  uint32_t len;
  uint32_t reserved;
  const struct cfm_asic *owner;
  uint64_t next_ns;         /* device time of the next frame */
  uint64_t last_ns;
  uint64_t frames;
  uint8_t frame[CFM_ASIC_MAX_FRAME];
} mock_inj_t;

typedef struct asic {
  struct asic *next; /* instance registry */
  int refs;
  mock_args_t args;
  uint64_t now_ns;
  uint64_t rt_origin_ns; /* CLOCK_MONOTONIC at which now_ns was taken (real-time mode) */
  uint32_t nvoes;
  voe_t *voes;           /* index = id - 1 */
  uint32_t *slots;       /* compact index of voes: 0 = free, else mock_slot_key(conf) */
  /* Indexes kept in step with the table, so no ABI call walks every VOE (docs/mock-asic.md
   * "Scaling"); rebuilt from voes[] after a state load (mock_index_rebuild). */
  mock_stack_t *stacks;  /* (port, dir, vlan) -> VOEs by level; hash table, stack_cap a power of 2 */
  uint32_t stack_cap;
  uint32_t stack_count;
  uint64_t *free_bits;   /* bit i set = VOE slot i is free */
  uint64_t *free_sum;    /* bit w set = free_bits[w] != 0 */
  struct mock_dl_entry *dl_heap; /* the deadline queue: min-heap on (key, idx) */
  uint32_t *dl_pos;      /* heap position per VOE index, MOCK_DL_NONE when not queued */
  uint32_t *dl_due;      /* scratch: the VOEs due at one instant */
  uint64_t *dl_mark;     /* scratch bitmap (all zero between uses) to order them by index */
  uint32_t dl_count;
  uint64_t tx_load;      /* nominal CCM rate of all transmitting VOEs, in 1/600 frames/s */
  uint32_t *port_flags;
  uint8_t *port_state;   /* mock_port_state.c: per port, NULL until set (all forwarding and up) */
  policer_t *policers;
  frame_queue_t punt;
  frame_queue_t wire;
  cfm_event_t *events;
  uint32_t ev_head;
  uint32_t ev_count;
  cfm_asic_counters_t counters;
  uint64_t generation;   /* configuration generation (cfm_asic_config_generation) */
  struct mock_pm *pm;    /* mock_pm.c: per VOE index, NULL until the first cfm_voe_pm_set */
  fdb_entry_t fdb[MOCK_FDB_SIZE];
  /* fault injection */
  uint32_t fail_countdown;
  cfm_status_t fail_status;
  uint32_t drop_frames;
  uint32_t table_full;
  /* board behaviour (mock_board.c): every call holds `lock` (an SDK serialises its device);
   * the interrupt thread runs due work in real time and signals `evfd` */
  pthread_mutex_t lock;
  uint64_t rng;
  int evfd;              /* -1 = no event fd */
  uint32_t evfd_raised;  /* evfd is readable (cleared when events and punts are drained) */
  pthread_t irq_thread;
  pthread_cond_t irq_cond;
  uint32_t irq_running;
  uint32_t irq_stop;
  uint64_t irq_wake_ns;  /* device time the thread sleeps until, UINT64_MAX = no deadline */
  uint64_t handle_overlaps; /* calls that found their handle in another call (cfm_asic.h forbids it) */
  /* periodic injection (mock_inject.c): in real time its own thread sends on absolute deadlines */
  mock_inj_t *inj;       /* args.inject_max entries, id = index + 1 */
  uint64_t inj_load;     /* nominal rate of the running injections, in 1/600 frames/s */
  pthread_t inj_thread;
  pthread_cond_t inj_cond;
  uint32_t inj_running;
  uint32_t inj_stop;
  uint32_t inj_fifo;     /* the injector thread runs SCHED_FIFO (else a normal thread) */
} asic_t;

struct cfm_asic {
  asic_t *a;
  uint32_t magic;
  uint32_t in_call; /* calls sleeping their latency on this handle (atomic; > 1 = misuse) */
};
#define MOCK_HANDLE_MAGIC 0xcf3a51c1u

/* mock_port_state.c: the port's STP / oper state in the status TLVs of a built CCM */
void mock_port_state_apply(const asic_t *a, const voe_t *v, uint8_t *frame, uint32_t len);

/* mock_args.c */
cfm_status_t mock_args_parse(const char *text, mock_args_t *out);

/* Network byte order (802.1Q 21.1: CFM PDU fields are big-endian), for every file that reads or
 * writes frame fields. */
static inline uint32_t mock_get16(const uint8_t *p) { return ((uint32_t)p[0] << 8) | p[1]; }
static inline uint32_t mock_get32(const uint8_t *p) { return (mock_get16(p) << 16) | mock_get16(p + 2); }
static inline void mock_put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static inline void mock_put32(uint8_t *p, uint32_t v) {
  mock_put16(p, v >> 16);
  mock_put16(p + 2, v);
}

/* mock_time.c */
/* CLOCK_MONOTONIC in ns: the host clock real-time device time and the injector deadlines follow. */
uint64_t mock_mono_ns(void);
uint64_t mock_interval_ns(uint32_t code);
uint64_t mock_loc_ns(uint32_t code);
void mock_sync_realtime(asic_t *a);
void mock_run_until(asic_t *a, uint64_t target_ns);
int mock_next_deadline(const asic_t *a, uint64_t *at_ns);

/* mock_voe.c */
#define MOCK_SLOT_USED 0x80000000u
#define MOCK_SLOT_LEVEL_MASK (7u << 12)
#define MOCK_SLOT_DIR_MASK (1u << 15)
/* (port, direction, level, vlan) packed with the in-use bit: the place a VOE holds in the MP stack
 * index (slots[idx]), and a 4-byte-per-VOE walk for the calls that return the whole table. */
static inline uint32_t mock_slot_key(uint32_t port, uint32_t dir, uint32_t level, uint32_t vlan) {
  return MOCK_SLOT_USED | (port << 16) | (dir << 15) | (level << 12) | vlan;
}
void mock_slot_update(asic_t *a, uint32_t idx);
uint64_t mock_voe_tx_load(const voe_t *v);
voe_t *mock_voe_get(asic_t *a, uint32_t id);
uint32_t mock_voe_id(const asic_t *a, const voe_t *v);

/* mock_index.c: the MP stack index and the free-slot bitmap */
cfm_status_t mock_index_alloc(asic_t *a);
void mock_index_free(asic_t *a);
void mock_index_rebuild(asic_t *a);
void mock_stack_add(asic_t *a, uint32_t key, uint32_t idx);
void mock_stack_remove(asic_t *a, uint32_t key, uint32_t idx);
const mock_stack_t *mock_stack_find(const asic_t *a, uint32_t port, uint32_t dir, uint32_t vlan);
void mock_free_mark(asic_t *a, uint32_t idx, int is_free);
uint32_t mock_free_first(const asic_t *a, uint32_t lo, uint32_t hi); /* hi when none */

/* mock_deadline.c: the deadline queue */
#define MOCK_DL_NONE 0xffffffffu
void mock_dl_update(asic_t *a, const voe_t *v);
uint32_t mock_dl_collect_due(asic_t *a, uint64_t now_ns);
void mock_dl_requeue(asic_t *a, const uint32_t *idx, uint32_t k);
void mock_dl_rebuild(asic_t *a);

/* mock_ccm_tx.c */
uint32_t mock_ccm_build(const voe_t *v, uint8_t *buf, uint32_t buf_len);
void mock_ccm_tx_due(asic_t *a, voe_t *v);

/* mock_ccm_rx.c */
void mock_ccm_rx(asic_t *a, voe_t *v, const frame_view_t *fv);
/* 1 when the frame is a valid CCM (docs/mock-asic.md "CCM receive validity"). */
int mock_ccm_valid(const frame_view_t *fv);
void mock_unexpected(asic_t *a, voe_t *v, uint32_t sticky_bit);
void mock_rx_timers_due(asic_t *a, voe_t *v);

/* mock_rx.c (receive pipeline, relay) */
int mock_parse(const uint8_t *frame, uint32_t len, frame_view_t *fv);
void mock_wire_rx(asic_t *a, uint32_t port, const uint8_t *frame, uint32_t len);
void mock_relay(asic_t *a, uint32_t ingress, const frame_view_t *fv);

/* mock_frames.c */
void mock_queue_init(frame_queue_t *q, uint32_t cap);
void mock_queue_clear(frame_queue_t *q);
int mock_queue_push(frame_queue_t *q, const cfm_frame_info_t *info, const uint8_t *data);
void mock_wire_emit(asic_t *a, uint32_t port, const uint8_t *frame, uint32_t len);
void mock_wire_emit_at(asic_t *a, uint32_t port, const uint8_t *frame, uint32_t len, uint64_t at_ns);
void mock_punt(asic_t *a, uint32_t port, voe_t *v, uint32_t reason, const frame_view_t *fv);

/* mock_events.c */
void mock_event(asic_t *a, uint32_t voe, uint32_t kind, uint32_t peer, uint32_t active, uint32_t value);

/* mock_policer.c */
int mock_policer_admit(asic_t *a, uint32_t port, const frame_view_t *fv);

/* mock_state.c */
cfm_status_t mock_state_load(asic_t *a);
cfm_status_t mock_state_save(const asic_t *a);

/* mock_core.c: every ABI call starts here (handle check, lock, real time, fault injection).
 * A call declares its device pointer MOCK_HELD: the lock taken by mock_enter is released when the
 * call returns, whichever return it takes. */
cfm_status_t mock_enter(cfm_asic_t *h, asic_t **out);
cfm_status_t mock_enter_ext(cfm_asic_t *h, asic_t **out);
cfm_status_t mock_enter_frame(cfm_asic_t *h, asic_t **out); /* frame rx/tx: frame_latency_ns */
/* mock_voe.c: mock_enter, then VOE `id` (CFM_ENOENT when it is not allocated) */
cfm_status_t mock_enter_voe(cfm_asic_t *h, uint32_t id, asic_t **a, voe_t **v);
void mock_leave(asic_t **a);
#define MOCK_HELD __attribute__((cleanup(mock_leave)))

/* mock_inject.c: periodic injection */
#define MOCK_LOAD_PER_FPS 600u
uint64_t mock_interval_load(uint32_t interval);
cfm_status_t mock_inject_init(asic_t *a);
void mock_inject_stop_thread(asic_t *a);
void mock_inject_free(asic_t *a);
void mock_inject_release(asic_t *a, const struct cfm_asic *owner);
int mock_inject_next(const asic_t *a, uint64_t *at_ns);
void mock_inject_due(asic_t *a, uint64_t sent_ns);
void mock_inject_kick(asic_t *a);

/* mock_board.c: latency, random failures, interrupt thread and event fd */
cfm_status_t mock_board_init(asic_t *a);
void mock_board_stop(asic_t *a);
void mock_board_free(asic_t *a);
uint64_t mock_board_latency(asic_t *a, int frame_call);
int mock_board_fail(asic_t *a);
void mock_board_raise(asic_t *a);
void mock_board_drained(asic_t *a);
void mock_board_kick(asic_t *a);
void mock_cond_init_monotonic(pthread_cond_t *c);
void mock_thread_stop(asic_t *a, pthread_t th, pthread_cond_t *cond, uint32_t *stop, uint32_t *running);

#endif /* CFM_MOCK_INTERNAL_H */
