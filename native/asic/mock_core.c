/*
 * Instances, handles, capabilities, counters, status strings and fault injection of the mock
 * ASIC. Several instances live in one process (several switches in a simulation); opening the
 * same instance=NAME twice returns a second handle on the same ASIC, like a manager process that
 * restarts while the hardware keeps running (warm restart).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mock_internal.h"
#include "mock_pm.h"

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static asic_t *registry = NULL;

uint32_t cfm_asic_abi_version(void) { return CFM_ASIC_ABI_VERSION; }

const char *cfm_asic_status_name(cfm_status_t s) {
  switch (s) {
    case CFM_OK: return "OK";
    case CFM_EINVAL: return "EINVAL";
    case CFM_ENOENT: return "ENOENT";
    case CFM_ENOSPC: return "ENOSPC";
    case CFM_ENOTSUP: return "ENOTSUP";
    case CFM_EBUSY: return "EBUSY";
    case CFM_EIO: return "EIO";
    case CFM_EBUDGET: return "EBUDGET";
    case CFM_EAGAIN: return "EAGAIN";
    case CFM_ENOMEM: return "ENOMEM";
    case CFM_E2BIG: return "E2BIG";
    case CFM_EVERSION: return "EVERSION";
    default: return "EUNKNOWN";
  }
}

const char *cfm_asic_strerror(cfm_status_t s) {
  switch (s) {
    case CFM_OK: return "success";
    case CFM_EINVAL: return "invalid argument";
    case CFM_ENOENT: return "no such entry";
    case CFM_ENOSPC: return "VOE table full";
    case CFM_ENOTSUP: return "not supported by the hardware";
    case CFM_EBUSY: return "resource busy";
    case CFM_EIO: return "device I/O error";
    case CFM_EBUDGET: return "CCM injector frame budget exhausted";
    case CFM_EAGAIN: return "nothing to read";
    case CFM_ENOMEM: return "out of memory";
    case CFM_E2BIG: return "buffer too small";
    case CFM_EVERSION: return "incompatible ABI or state version";
    default: return "unknown status";
  }
}

static void asic_free(asic_t *a) {
  if (!a) return;
  mock_inject_free(a);
  mock_board_free(a);
  mock_queue_clear(&a->punt);
  mock_queue_clear(&a->wire);
  mock_index_free(a);
  mock_pm_free(a);
  free(a->voes);
  free(a->slots);
  free(a->port_flags);
  free(a->port_state);
  free(a->policers);
  free(a->events);
  free(a);
}

static cfm_status_t asic_new(const mock_args_t *args, asic_t **out) {
  asic_t *a = calloc(1, sizeof *a);
  if (!a) return CFM_ENOMEM;
  a->args = *args;
  a->nvoes = args->port_voes + args->service_voes;
  a->voes = calloc(a->nvoes, sizeof *a->voes);
  a->slots = calloc(a->nvoes, sizeof *a->slots);
  a->port_flags = calloc(args->ports, sizeof *a->port_flags);
  a->policers = calloc(args->policers ? args->policers : 1, sizeof *a->policers);
  a->events = calloc(args->event_len, sizeof *a->events);
  a->evfd = -1;
  if (!a->voes || !a->slots || !a->port_flags || !a->policers || !a->events || mock_index_alloc(a) != CFM_OK) {
    asic_free(a);
    return CFM_ENOMEM;
  }
  mock_queue_init(&a->punt, args->punt_len);
  mock_queue_init(&a->wire, args->wire_len);
  a->now_ns = (uint64_t)args->time0_s * 1000000000ull; /* a loaded state replaces it */
  if (args->state_path[0]) {
    cfm_status_t s = mock_state_load(a);
    if (s != CFM_OK) {
      asic_free(a);
      return s;
    }
  }
  mock_index_rebuild(a); /* the lookup structures of the (fresh or loaded) table */
  if (args->realtime) mock_sync_realtime(a); /* sets the origin */
  cfm_status_t bs = mock_board_init(a); /* lock, random state, interrupt thread */
  if (bs == CFM_OK) bs = mock_inject_init(a); /* periodic injection and its thread */
  if (bs != CFM_OK) {
    asic_free(a);
    return bs;
  }
  *out = a;
  return CFM_OK;
}

cfm_status_t cfm_asic_open(const char *args, cfm_asic_t **out) {
  if (!out) return CFM_EINVAL;
  mock_args_t m;
  cfm_status_t s = mock_args_parse(args, &m);
  if (s != CFM_OK) return s;
  cfm_asic_t *h = calloc(1, sizeof *h);
  if (!h) return CFM_ENOMEM;
  pthread_mutex_lock(&registry_lock);
  asic_t *a = NULL;
  if (m.instance[0]) {
    for (asic_t *it = registry; it; it = it->next)
      if (!strcmp(it->args.instance, m.instance)) a = it;
  }
  if (a) {
    a->refs++;
  } else {
    s = asic_new(&m, &a);
    if (s == CFM_OK) {
      a->refs = 1;
      a->next = registry;
      registry = a;
    }
  }
  pthread_mutex_unlock(&registry_lock);
  if (s != CFM_OK) {
    free(h);
    return s;
  }
  h->a = a;
  h->magic = MOCK_HANDLE_MAGIC;
  *out = h;
  return CFM_OK;
}

cfm_status_t cfm_asic_close(cfm_asic_t *h) {
  if (!h || h->magic != MOCK_HANDLE_MAGIC) return CFM_EINVAL;
  asic_t *a = h->a;
  cfm_status_t s = CFM_OK;
  pthread_mutex_lock(&registry_lock);
  pthread_mutex_lock(&a->lock);
  mock_inject_release(a, h); /* the handle's injections end with it (cfm_asic.h) */
  pthread_mutex_unlock(&a->lock);
  if (--a->refs == 0) {
    mock_inject_stop_thread(a);
    mock_board_stop(a); /* no interrupt thread while the device is saved and freed */
    for (asic_t **pp = &registry; *pp; pp = &(*pp)->next)
      if (*pp == a) {
        *pp = a->next;
        break;
      }
    if (a->args.realtime) mock_sync_realtime(a);
    if (a->args.state_path[0]) s = mock_state_save(a);
    asic_free(a);
  }
  pthread_mutex_unlock(&registry_lock);
  h->magic = 0;
  free(h);
  return s;
}

static void sleep_ns(uint64_t ns) {
  struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* Common entry of every vendor-ABI call: valid handle, the device lock, the call's latency (slept
 * without the lock, mock_board.c), catch up real time, fault injection (the k-th call, or at
 * random). The caller's MOCK_HELD pointer releases the lock when it returns. */
static cfm_status_t enter_abi(cfm_asic_t *h, asic_t **out, int frame_call) {
  if (!h || h->magic != MOCK_HANDLE_MAGIC) return CFM_EINVAL;
  asic_t *a = h->a;
  pthread_mutex_lock(&a->lock);
  uint64_t ns = mock_board_latency(a, frame_call);
  if (ns) {
    pthread_mutex_unlock(&a->lock);
    /* cfm_asic.h: a handle is used by one thread at a time. A slow call is where a caller that
     * breaks the rule shows: count the calls that overlap on this handle. */
    if (__atomic_fetch_add(&h->in_call, 1, __ATOMIC_ACQ_REL) != 0) __atomic_fetch_add(&a->handle_overlaps, 1, __ATOMIC_RELAXED);
    sleep_ns(ns);
    __atomic_fetch_sub(&h->in_call, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_lock(&a->lock);
  }
  if (a->args.realtime) mock_sync_realtime(a);
  *out = a;
  if (a->fail_countdown > 0 && --a->fail_countdown == 0) return a->fail_status;
  if (mock_board_fail(a)) return a->args.fail_random_status;
  return CFM_OK;
}

cfm_status_t mock_enter(cfm_asic_t *h, asic_t **out) { return enter_abi(h, out, 0); }
cfm_status_t mock_enter_frame(cfm_asic_t *h, asic_t **out) { return enter_abi(h, out, 1); }

/* Entry of the cfm_mock_* calls: not counted by fault injection, no latency. */
cfm_status_t mock_enter_ext(cfm_asic_t *h, asic_t **out) {
  if (!h || h->magic != MOCK_HANDLE_MAGIC) return CFM_EINVAL;
  asic_t *a = h->a;
  pthread_mutex_lock(&a->lock);
  if (a->args.realtime) mock_sync_realtime(a);
  *out = a;
  return CFM_OK;
}

/* End of every call (MOCK_HELD): wake the interrupt thread if the call moved a deadline earlier,
 * release the device. */
void mock_leave(asic_t **pa) {
  asic_t *a = *pa;
  if (!a) return;
  mock_board_kick(a);
  pthread_mutex_unlock(&a->lock);
}

cfm_status_t cfm_asic_caps_get(cfm_asic_t *h, cfm_asic_caps_t *c) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter(h, &a);
  if (s != CFM_OK) return s;
  if (!c) return CFM_EINVAL;
  memset(c, 0, sizeof *c);
  c->abi_version = CFM_ASIC_ABI_VERSION;
  c->ports = a->args.ports;
  c->port_voes = a->args.port_voes;
  c->service_voes = a->args.service_voes;
  c->tx_intervals = a->args.tx_mask;
  c->rx_intervals = a->args.rx_mask;
  c->peers_per_voe = a->args.peers_per_voe;
  c->flags = a->args.flags;
  c->ccm_tx_mode = a->args.tx_mode;
  c->injector_budget_fps = a->args.tx_mode == CFM_TX_MODE_INJECTED ? a->args.budget_fps : 0;
  c->policers = a->args.policers;
  c->punt_queue_len = a->args.punt_len;
  memcpy(c->description, a->args.description, sizeof c->description);
  return CFM_OK;
}

cfm_status_t cfm_asic_counters_get(cfm_asic_t *h, cfm_asic_counters_t *c) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter(h, &a);
  if (s != CFM_OK) return s;
  if (!c) return CFM_EINVAL;
  *c = a->counters;
  return CFM_OK;
}

cfm_status_t cfm_port_flags_set(cfm_asic_t *h, uint32_t port, uint32_t flags) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter(h, &a);
  if (s != CFM_OK) return s;
  if (port >= a->args.ports || (flags & ~CFM_PORT_PUNT_ALL)) return CFM_EINVAL;
  a->port_flags[port] = flags;
  a->generation++;
  return CFM_OK;
}

cfm_status_t cfm_port_flags_get(cfm_asic_t *h, uint32_t port, uint32_t *flags) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter(h, &a);
  if (s != CFM_OK) return s;
  if (port >= a->args.ports || !flags) return CFM_EINVAL;
  *flags = a->port_flags[port];
  return CFM_OK;
}

cfm_status_t cfm_mock_fail_call(cfm_asic_t *h, uint32_t k, cfm_status_t status) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_ext(h, &a);
  if (s != CFM_OK) return s;
  if (k > 0 && status == CFM_OK) return CFM_EINVAL;
  a->fail_countdown = k;
  a->fail_status = status;
  return CFM_OK;
}

cfm_status_t cfm_mock_drop_frames(cfm_asic_t *h, uint32_t n) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_ext(h, &a);
  if (s != CFM_OK) return s;
  a->drop_frames = n;
  return CFM_OK;
}

cfm_status_t cfm_mock_table_full(cfm_asic_t *h, uint32_t on) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_ext(h, &a);
  if (s != CFM_OK) return s;
  a->table_full = on ? 1 : 0;
  return CFM_OK;
}

cfm_status_t cfm_mock_save(cfm_asic_t *h) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_ext(h, &a);
  if (s != CFM_OK) return s;
  if (!a->args.state_path[0]) return CFM_ENOENT;
  return mock_state_save(a);
}
