/*
 * Periodic frame injection (optional vendor-ABI group "inject", cfm_asic.h): the device sends a
 * CPU-built frame on a port once per interval by itself, as Microchip's AFI does, so a software
 * MEP's CCMs (802.1Q 20.10) keep time whatever the host does.
 *
 *  - Virtual time: injections are deadlines like the VOEs' (mock_next_deadline includes them,
 *    mock_run_until sends them at their exact instants).
 *  - Real time: a thread of its own sends them on absolute deadlines. It waits on a condition
 *    variable (so a new injection can wake it) until ~MOCK_INJ_COND_AHEAD_NS before the next one,
 *    then sleeps the rest with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) without the device
 *    lock, takes the lock and sends what is due. The wire tap sees each frame with the device time
 *    it was sent at (cfm_mock_port_tx_poll_info), not the deadline: lateness is measured, not
 *    assumed. Calls never send injections in real time (they would send late, stamped on time).
 *  - Sequence numbers: a 32-bit big-endian count at seq_offset (CCIsentCCMs, 802.1Q 21.6.3).
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mock_internal.h"

/* The last stretch before a deadline is slept with clock_nanosleep (not wakeable, no lock); the
 * wait before it is a condition-variable wait that ends this far ahead: re-taking the device lock
 * after it (a call holding it, the host's load) must not eat into the deadline. */
#define MOCK_INJ_APPROACH_NS 5000000ull
#define MOCK_INJ_COND_AHEAD_NS 4000000ull
#define MOCK_INJ_MAX_DELAY_NS 600000000000ull

/* Earliest deadline of a running injection; 0 = none. */
int mock_inject_next(const asic_t *a, uint64_t *at_ns) {
  int found = 0;
  for (uint32_t i = 0; a->inj && i < a->args.inject_max; i++) {
    const mock_inj_t *j = &a->inj[i];
    if (!j->in_use || !j->running) continue;
    if (!found || j->next_ns < *at_ns) *at_ns = j->next_ns;
    found = 1;
  }
  return found;
}

static void send_one(asic_t *a, mock_inj_t *j, uint64_t at_ns) {
  uint8_t frame[CFM_ASIC_MAX_FRAME];
  memcpy(frame, j->frame, j->len);
  if (j->seq_offset != CFM_INJECT_NO_SEQ) mock_put32(frame + j->seq_offset, j->seq++);
  j->frames++;
  j->last_ns = at_ns;
  if (j->towards == CFM_TX_TO_WIRE) {
    mock_wire_emit_at(a, j->port, frame, j->len, at_ns);
  } else {
    frame_view_t fv;
    if (mock_parse(frame, j->len, &fv)) mock_relay(a, j->port, &fv);
  }
}

/* Send every injection due at a->now_ns: one frame per deadline; deadlines missed while the
 * sender could not run are skipped, not sent in a burst (cfm_asic.h). sent_ns: when the injector
 * sent what was due by then (real time: the instant its thread woke, before it waited for the
 * device lock - a chip's injector does not wait for its SDK's mutex); later ones at now. Lock held. */
void mock_inject_due(asic_t *a, uint64_t sent_ns) {
  for (uint32_t i = 0; a->inj && i < a->args.inject_max; i++) {
    mock_inj_t *j = &a->inj[i];
    if (!j->in_use || !j->running || j->next_ns > a->now_ns) continue;
    send_one(a, j, j->next_ns <= sent_ns ? sent_ns : a->now_ns);
    uint64_t period = mock_interval_ns(j->interval);
    while (j->next_ns <= a->now_ns) j->next_ns += period;
  }
}

static void *inj_main(void *arg) {
  asic_t *a = arg;
  uint64_t woke = 0; /* device time the thread woke from its last sleep */
  pthread_mutex_lock(&a->lock);
  while (!a->inj_stop) {
    uint64_t at = 0;
    if (!a->args.realtime || !mock_inject_next(a, &at)) {
      pthread_cond_wait(&a->inj_cond, &a->lock);
      continue;
    }
    mock_sync_realtime(a); /* device time = now: the VOEs' due work too */
    if (at <= a->now_ns) {
      mock_inject_due(a, woke >= at ? woke : a->now_ns);
      continue;
    }
    uint64_t mono = a->rt_origin_ns + at;
    if (at - a->now_ns > MOCK_INJ_APPROACH_NS) {
      /* far away: a wakeable wait (a new injection may start earlier) */
      uint64_t w = mono - MOCK_INJ_COND_AHEAD_NS;
      struct timespec ts = {(time_t)(w / 1000000000ull), (long)(w % 1000000000ull)};
      pthread_cond_timedwait(&a->inj_cond, &a->lock, &ts);
      continue;
    }
    /* the last stretch: an absolute sleep without the lock, then send */
    pthread_mutex_unlock(&a->lock);
#if defined(__linux__)
    struct timespec ts = {(time_t)(mono / 1000000000ull), (long)(mono % 1000000000ull)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
#else /* no absolute sleep (macOS): the rest, relative */
    uint64_t now = mock_mono_ns();
    if (mono > now) {
      struct timespec rel = {(time_t)((mono - now) / 1000000000ull), (long)((mono - now) % 1000000000ull)};
      while (nanosleep(&rel, &rel) != 0 && errno == EINTR) {
      }
    }
#endif
    woke = mock_mono_ns() - a->rt_origin_ns;
    pthread_mutex_lock(&a->lock);
  }
  pthread_mutex_unlock(&a->lock);
  return NULL;
}

cfm_status_t mock_inject_init(asic_t *a) {
  if (a->args.inject_max == 0) return CFM_OK;
  a->inj = calloc(a->args.inject_max, sizeof *a->inj);
  if (!a->inj) return CFM_ENOMEM;
  mock_cond_init_monotonic(&a->inj_cond);
  if (pthread_create(&a->inj_thread, NULL, inj_main, a) != 0) return CFM_EIO;
  a->inj_running = 1;
  /* The simulated injector is hardware: its timing must not depend on the host's load. A
   * real-time priority where allowed (root, CAP_SYS_NICE; CI runs as root); else it runs as a
   * normal thread and its lateness shows on the wire tap. */
  struct sched_param sp = {.sched_priority = 20}; /* above threads that ask for a little RT priority */
  a->inj_fifo = pthread_setschedparam(a->inj_thread, SCHED_FIFO, &sp) == 0;
  return CFM_OK;
}

/* A new deadline, the clock mode changed, or stop: the thread recomputes. Lock held. */
void mock_inject_kick(asic_t *a) {
  if (a->inj_running) pthread_cond_signal(&a->inj_cond);
}

void mock_inject_stop_thread(asic_t *a) {
  mock_thread_stop(a, a->inj_thread, &a->inj_cond, &a->inj_stop, &a->inj_running);
}

void mock_inject_free(asic_t *a) {
  if (!a->inj) return;
  mock_inject_stop_thread(a);
  pthread_cond_destroy(&a->inj_cond);
  free(a->inj);
  a->inj = NULL;
}

static void release(asic_t *a, mock_inj_t *j) {
  if (j->running) a->inj_load -= mock_interval_load(j->interval);
  memset(j, 0, sizeof *j);
}

/* cfm_asic_close: a handle's injections end with it. Lock held. */
void mock_inject_release(asic_t *a, const struct cfm_asic *owner) {
  for (uint32_t i = 0; a->inj && i < a->args.inject_max; i++)
    if (a->inj[i].in_use && a->inj[i].owner == owner) release(a, &a->inj[i]);
}

static uint32_t budget_fps(const asic_t *a) {
  if (a->args.inject_fps) return a->args.inject_fps;
  return a->args.tx_mode == CFM_TX_MODE_INJECTED ? a->args.budget_fps : 0;
}

static uint32_t cap_flags(const asic_t *a) {
  return (a->args.inject_seq ? CFM_INJECT_CAP_SEQ : 0) | ((a->args.flags & CFM_CAP_UP_MEP) ? CFM_INJECT_CAP_RELAY : 0);
}

static mock_inj_t *find(asic_t *a, const cfm_asic_t *h, uint32_t id) {
  if (!a->inj || id == 0 || id > a->args.inject_max) return NULL;
  mock_inj_t *j = &a->inj[id - 1];
  return j->in_use && j->owner == h ? j : NULL;
}

static void counters_of(const asic_t *a, const mock_inj_t *j, cfm_inject_counters_t *c) {
  memset(c, 0, sizeof *c);
  c->frames = j->frames;
  c->last_tx_ns = j->last_ns;
  c->next_tx_ns = j->next_ns;
  c->now_ns = a->now_ns;
  c->next_seq = j->seq;
  c->running = j->running;
  c->error = j->error;
}

static int frame_ok(const asic_t *a, const uint8_t *frame, uint32_t len) {
  (void)a;
  return frame && len >= 14 && len <= CFM_ASIC_MAX_FRAME;
}

/* The device lock held (the caller's MOCK_HELD *a releases it) and injection `id` of this handle, in
 * the order every call reports: group absent (ENOTSUP), bad arguments (EINVAL), unknown id (ENOENT). */
static cfm_status_t enter_inj(cfm_asic_t *h, uint32_t id, int args_ok, asic_t **a, mock_inj_t **j) {
  cfm_status_t s = mock_enter(h, a);
  if (s != CFM_OK) return s;
  if (!(*a)->inj) return CFM_ENOTSUP;
  if (!args_ok) return CFM_EINVAL;
  *j = find(*a, h, id);
  return *j ? CFM_OK : CFM_ENOENT;
}

/* ---- the optional vendor-ABI group "inject" ---- */

cfm_status_t cfm_inject_caps_get(cfm_asic_t *h, cfm_inject_caps_t *caps) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter(h, &a);
  if (s != CFM_OK) return s;
  if (!caps) return CFM_EINVAL;
  if (!a->inj) return CFM_ENOTSUP;
  memset(caps, 0, sizeof *caps);
  caps->max_injections = a->args.inject_max;
  caps->intervals = 0xfe; /* 3.33 ms .. 10 min: an injector is a rate, any Table 21-1 period */
  caps->budget_fps = budget_fps(a);
  caps->flags = cap_flags(a);
  caps->max_len = CFM_ASIC_MAX_FRAME;
  return CFM_OK;
}

cfm_status_t cfm_inject_start(cfm_asic_t *h, const cfm_inject_conf_t *c, const uint8_t *frame, uint32_t len,
                              uint32_t *id) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter(h, &a);
  if (s != CFM_OK) return s;
  if (!a->inj) return CFM_ENOTSUP;
  if (!c || !id || !frame_ok(a, frame, len) || c->port >= a->args.ports || c->towards > CFM_TX_TO_RELAY ||
      c->interval < 1 || c->interval > 7 || c->reserved != 0 || c->first_delay_ns > MOCK_INJ_MAX_DELAY_NS)
    return CFM_EINVAL;
  if (c->seq_offset != CFM_INJECT_NO_SEQ && (c->seq_offset < 14 || c->seq_offset + 4 > len)) return CFM_EINVAL;
  uint32_t flags = cap_flags(a);
  if (c->seq_offset != CFM_INJECT_NO_SEQ && !(flags & CFM_INJECT_CAP_SEQ)) return CFM_ENOTSUP;
  if (c->towards == CFM_TX_TO_RELAY && !(flags & CFM_INJECT_CAP_RELAY)) return CFM_ENOTSUP;
  uint32_t idx = a->args.inject_max;
  for (uint32_t i = 0; i < a->args.inject_max; i++)
    if (!a->inj[i].in_use) {
      idx = i;
      break;
    }
  if (idx == a->args.inject_max) return CFM_ENOSPC;
  uint64_t budget = budget_fps(a);
  uint64_t load = a->inj_load + mock_interval_load(c->interval) + (a->args.tx_mode == CFM_TX_MODE_INJECTED ? a->tx_load : 0);
  if (budget > 0 && load > budget * MOCK_LOAD_PER_FPS) return CFM_EBUDGET;
  mock_inj_t *j = &a->inj[idx];
  memset(j, 0, sizeof *j);
  j->in_use = 1;
  j->running = 1;
  j->owner = h;
  j->port = c->port;
  j->towards = c->towards;
  j->interval = c->interval;
  j->seq_offset = c->seq_offset;
  j->seq = c->first_seq;
  j->len = len;
  memcpy(j->frame, frame, len);
  /* in real time the call's own moment (after its latency), as a register write takes effect */
  if (a->args.realtime) j->next_ns = mock_mono_ns() - a->rt_origin_ns + c->first_delay_ns;
  else j->next_ns = a->now_ns + c->first_delay_ns;
  a->inj_load += mock_interval_load(c->interval);
  *id = idx + 1;
  if (!a->args.realtime && c->first_delay_ns == 0) mock_inject_due(a, a->now_ns); /* virtual time: at once */
  mock_inject_kick(a);
  return CFM_OK;
}

cfm_status_t cfm_inject_update(cfm_asic_t *h, uint32_t id, const uint8_t *frame, uint32_t len) {
  MOCK_HELD asic_t *a = NULL;
  mock_inj_t *j;
  cfm_status_t s = enter_inj(h, id, 1, &a, &j);
  if (s != CFM_OK) return s;
  if (!frame_ok(a, frame, len) || (j->seq_offset != CFM_INJECT_NO_SEQ && j->seq_offset + 4 > len)) return CFM_EINVAL;
  if (!j->running) return j->error != CFM_OK ? j->error : CFM_EIO;
  memcpy(j->frame, frame, len);
  j->len = len;
  return CFM_OK;
}

cfm_status_t cfm_inject_stop(cfm_asic_t *h, uint32_t id, cfm_inject_counters_t *last) {
  MOCK_HELD asic_t *a = NULL;
  mock_inj_t *j;
  cfm_status_t s = enter_inj(h, id, 1, &a, &j);
  if (s != CFM_OK) return s;
  if (last) counters_of(a, j, last);
  release(a, j);
  return CFM_OK;
}

cfm_status_t cfm_inject_counters_get(cfm_asic_t *h, uint32_t id, cfm_inject_counters_t *c) {
  MOCK_HELD asic_t *a = NULL;
  mock_inj_t *j;
  cfm_status_t s = enter_inj(h, id, c != NULL, &a, &j);
  if (s != CFM_OK) return s;
  counters_of(a, j, c);
  return CFM_OK;
}

/* ---- mock-only control ---- */

cfm_status_t cfm_mock_inject_fail(cfm_asic_t *h, uint32_t id, cfm_status_t status) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_ext(h, &a);
  if (s != CFM_OK) return s;
  if (status == CFM_OK) return CFM_EINVAL;
  if (!a->inj || id == 0 || id > a->args.inject_max || !a->inj[id - 1].in_use) return CFM_ENOENT;
  mock_inj_t *j = &a->inj[id - 1];
  if (!j->running) return CFM_OK;
  a->inj_load -= mock_interval_load(j->interval);
  j->running = 0;
  j->error = status;
  mock_event(a, 0, CFM_EVENT_INJECT_STOPPED, 0, 1, id);
  return CFM_OK;
}
