/*
 * The mock behaving like a real board (issue 16): an SDK that reaches the chip over PCIe or SPI
 * takes tens of microseconds to milliseconds per call, reports events from an interrupt, and
 * sometimes fails.
 *
 *  - Latency: every vendor-ABI call takes latency_ns plus a uniform random 0..jitter_ns, except
 *    cfm_frame_rx/tx which take frame_latency_ns (default 0). The call sleeps WITHOUT holding the
 *    device lock (the bus transfer of one caller does not stop the
 *    interrupt thread or another handle's thread from reaching the device).
 *  - Random failures: each vendor-ABI call fails with fail_random_status at fail_ppm per million,
 *    before it does anything (the ABI's "a failed call has no side effect").
 *  - Interrupt mode (interrupt=1, real-time clock): a thread sleeps until the device's next
 *    deadline (CCM tx, LOC timer, defect expiry), runs the due work like the OAM engine would, and
 *    makes the event fd readable when events or punted frames are pending - what a shim does from
 *    its SDK's interrupt handler (MESA: interrupt, then mesa_voe_event_active_get). The fd stays
 *    readable until cfm_event_poll and cfm_frame_rx have drained both queues (the optional ABI
 *    group "event_fd", docs/vendor-abi.md 5b).
 *
 * Locking: every call (vendor and mock-only) holds asic_t.lock while it touches the device; the
 * interrupt thread takes the same lock. So two handles on one instance may be used from two
 * threads, and the binding may run calls on libuv's thread pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/eventfd.h>
#endif

#include "mock_internal.h"

static uint64_t xorshift(asic_t *a) {
  uint64_t x = a->rng ? a->rng : 0x9e3779b97f4a7c15ull;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  a->rng = x;
  return x;
}

/* Called with the lock held: how long this call takes (0 = no latency configured). Frame I/O has
 * its own figure: chips move CPU frames by DMA or an extraction FIFO, not VOE register writes. */
uint64_t mock_board_latency(asic_t *a, int frame_call) {
  if (frame_call) return a->args.frame_latency_ns;
  uint64_t ns = a->args.latency_ns;
  if (a->args.jitter_ns) ns += xorshift(a) % (a->args.jitter_ns + 1);
  return ns;
}

/* Called with the lock held: 1 = this call fails at random (fail_ppm). */
int mock_board_fail(asic_t *a) {
  return a->args.fail_ppm > 0 && xorshift(a) % 1000000u < a->args.fail_ppm;
}

static int irq_wanted(const asic_t *a) { return a->args.interrupt && a->args.realtime; }

/* Make the event fd readable (events or punted frames are pending). Lock held. */
void mock_board_raise(asic_t *a) {
  if (a->evfd < 0 || a->evfd_raised) return;
  uint64_t one = 1;
  if (write(a->evfd, &one, sizeof one) == (ssize_t)sizeof one) a->evfd_raised = 1;
}

/* After a drain (cfm_event_poll, cfm_frame_rx): not readable any more once both queues are empty.
 * Checked and cleared under the lock the raising side holds, so no wakeup is lost. */
void mock_board_drained(asic_t *a) {
  if (a->evfd < 0 || !a->evfd_raised || a->ev_count > 0 || a->punt.count > 0) return;
  uint64_t v;
  if (read(a->evfd, &v, sizeof v) == (ssize_t)sizeof v || errno == EAGAIN) a->evfd_raised = 0;
}

/* The device's deadlines may have moved earlier (a CC config): wake the thread to recompute. */
void mock_board_kick(asic_t *a) {
  if (!a->irq_running) return;
  uint64_t at;
  if (mock_next_deadline(a, &at) && at < a->irq_wake_ns) pthread_cond_signal(&a->irq_cond);
}

static void *irq_main(void *arg) {
  asic_t *a = arg;
  pthread_mutex_lock(&a->lock);
  while (!a->irq_stop) {
    if (a->args.realtime) mock_sync_realtime(a); /* runs what is due: LOC, defect expiry, CCM tx */
    if (a->ev_count > 0 || a->punt.count > 0) mock_board_raise(a);
    uint64_t at;
    if (!a->args.realtime || !mock_next_deadline(a, &at)) at = UINT64_MAX;
    a->irq_wake_ns = at;
    if (at == UINT64_MAX) {
      pthread_cond_wait(&a->irq_cond, &a->lock);
      continue;
    }
    /* device time -> CLOCK_MONOTONIC (the cond var's clock) */
    uint64_t mono = a->rt_origin_ns + at;
    struct timespec ts = {(time_t)(mono / 1000000000ull), (long)(mono % 1000000000ull)};
    pthread_cond_timedwait(&a->irq_cond, &a->lock, &ts);
  }
  pthread_mutex_unlock(&a->lock);
  return NULL;
}

cfm_status_t mock_board_init(asic_t *a) {
  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
  /* the injector thread may run SCHED_FIFO (mock_inject.c): a preempted holder is boosted */
  pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT);
  pthread_mutex_init(&a->lock, &ma);
  pthread_mutexattr_destroy(&ma);
  mock_cond_init_monotonic(&a->irq_cond);
  a->rng = a->args.seed ? a->args.seed : 1;
  a->evfd = -1;
  a->irq_wake_ns = UINT64_MAX;
  if (!a->args.interrupt) return CFM_OK;
#if defined(__linux__)
  a->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
#endif
  if (a->evfd < 0) return CFM_EIO;
  if (pthread_create(&a->irq_thread, NULL, irq_main, a) != 0) return CFM_EIO;
  a->irq_running = 1;
  return CFM_OK;
}

/* A device thread's condition variable on CLOCK_MONOTONIC: the thread sleeps until device
 * (monotonic) time, which wall-clock steps must not move. */
void mock_cond_init_monotonic(pthread_cond_t *c) {
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
#if defined(__linux__)
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
#endif
  pthread_cond_init(c, &ca);
  pthread_condattr_destroy(&ca);
}

/* Stop a device thread: its stop flag set under the device lock, woken, joined. */
void mock_thread_stop(asic_t *a, pthread_t th, pthread_cond_t *cond, uint32_t *stop, uint32_t *running) {
  if (!*running) return;
  pthread_mutex_lock(&a->lock);
  *stop = 1;
  pthread_cond_signal(cond);
  pthread_mutex_unlock(&a->lock);
  pthread_join(th, NULL);
  *running = 0;
}

/* Stop the interrupt thread (before the device is freed or saved for the last time). */
void mock_board_stop(asic_t *a) {
  mock_thread_stop(a, a->irq_thread, &a->irq_cond, &a->irq_stop, &a->irq_running);
}

void mock_board_free(asic_t *a) {
  if (a->rng == 0) return; /* mock_board_init never ran (open failed before) */
  mock_board_stop(a);
  if (a->evfd >= 0) close(a->evfd);
  a->evfd = -1;
  pthread_cond_destroy(&a->irq_cond);
  pthread_mutex_destroy(&a->lock);
}

/* ---- the optional vendor-ABI group "event_fd" ---- */

cfm_status_t cfm_event_fd(cfm_asic_t *h, int32_t *fd) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter(h, &a);
  if (s != CFM_OK) return s;
  if (!fd) return CFM_EINVAL;
  /* without an interrupt (virtual time: events appear only inside calls) the caller polls */
  if (a->evfd < 0 || !irq_wanted(a)) return CFM_ENOTSUP;
  *fd = a->evfd;
  return CFM_OK;
}

/* ---- mock-only controls (cfm_mock.h) ---- */

cfm_status_t cfm_mock_set_latency(cfm_asic_t *h, uint64_t latency_ns, uint64_t jitter_ns) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_ext(h, &a);
  if (s != CFM_OK) return s;
  if (latency_ns > 10000000000ull || jitter_ns > 10000000000ull) return CFM_EINVAL;
  a->args.latency_ns = latency_ns;
  a->args.jitter_ns = jitter_ns;
  return CFM_OK;
}

cfm_status_t cfm_mock_handle_overlaps(cfm_asic_t *h, uint64_t *count) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_ext(h, &a);
  if (s != CFM_OK) return s;
  if (!count) return CFM_EINVAL;
  *count = __atomic_load_n(&a->handle_overlaps, __ATOMIC_RELAXED);
  return CFM_OK;
}

cfm_status_t cfm_mock_fail_random(cfm_asic_t *h, uint32_t ppm, cfm_status_t status, uint64_t seed) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_ext(h, &a);
  if (s != CFM_OK) return s;
  if (ppm > 1000000u || (ppm > 0 && status == CFM_OK)) return CFM_EINVAL;
  a->args.fail_ppm = ppm;
  a->args.fail_random_status = status;
  if (seed) a->rng = seed;
  return CFM_OK;
}
