/*
 * Device time. The mock runs on virtual time by default: nothing happens until the driver calls
 * cfm_mock_advance, so a test or simulator runs a whole network exactly and instantly, and can
 * sleep until cfm_mock_next_deadline. In real-time mode (clock=real) device time follows
 * CLOCK_MONOTONIC and due work is done at the start of every call.
 */
#include <time.h>

#include "mock_internal.h"

/* 802.1Q 21.6.1.3 Table 21-1 (300 Hz kept exact in ns, rounded). */
uint64_t mock_interval_ns(uint32_t code) {
  static const uint64_t ns[8] = {0, 3333333ull, 10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
                                 60000000000ull, 600000000000ull};
  return code < 8 ? ns[code] : 0;
}

/* Remote MEP timeout 3.5 x interval (802.1Q 20.20 rMEPwhile, G.8021 dLOC). */
uint64_t mock_loc_ns(uint32_t code) { return mock_interval_ns(code) * 7 / 2; }

uint64_t mock_mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void mock_sync_realtime(asic_t *a) {
  uint64_t mono = mock_mono_ns();
  if (a->rt_origin_ns == 0) {
    a->rt_origin_ns = mono - a->now_ns;
    return;
  }
  uint64_t target = mono - a->rt_origin_ns;
  if (target > a->now_ns) mock_run_until(a, target);
}

/* Run every internal event due up to target in time order, then set now = target. At each
 * instant the due VOEs run in index order (mock_deadline.c), a VOE's rx timers (LOC, defect
 * expiries) before its CCM transmission; what they set on other VOEs (a relayed CCM refreshing a
 * peer timer) lies after the instant. */
void mock_run_until(asic_t *a, uint64_t target_ns) {
  uint64_t next;
  while (mock_next_deadline(a, &next) && next <= target_ns) {
    a->now_ns = next;
    uint32_t k = mock_dl_collect_due(a, a->now_ns);
    for (uint32_t i = 0; i < k; i++) {
      voe_t *v = &a->voes[a->dl_due[i]];
      mock_rx_timers_due(a, v);
      mock_ccm_tx_due(a, v);
    }
    mock_dl_requeue(a, a->dl_due, k);
    /* periodic injections: here in virtual time; in real time their own thread sends them */
    if (!a->args.realtime) mock_inject_due(a, a->now_ns);
  }
  if (target_ns > a->now_ns) a->now_ns = target_ns;
}

cfm_status_t cfm_mock_advance(cfm_asic_t *h, uint64_t ns) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_ext(h, &a);
  if (s != CFM_OK) return s;
  if (a->args.realtime) return CFM_ENOTSUP;
  mock_run_until(a, a->now_ns + ns);
  return CFM_OK;
}

/* The device counter, for cfm_mock_now and cfm_asic_time_get (one static body: a shim that
 * overrides cfm_asic_time_get must not change what the mock-only call reads). */
static cfm_status_t read_now(cfm_asic_t *h, uint64_t *now_ns) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_ext(h, &a);
  if (s != CFM_OK) return s;
  if (!now_ns) return CFM_EINVAL;
  *now_ns = a->now_ns;
  return CFM_OK;
}

cfm_status_t cfm_mock_now(cfm_asic_t *h, uint64_t *now_ns) { return read_now(h, now_ns); }

/* Optional group "clock" (cfm_asic_time_get): the device time, the counter that stamps punted
 * frames (mock_frames.c: cfm_frame_info.time_ns = now_ns at the punt) and events. One counter
 * read: no simulated bus latency and no fault injection (the round trip around it is the
 * caller's mapping error, docs/vendor-abi.md "clock group"). In real time the entry brings
 * now_ns up to CLOCK_MONOTONIC first, so the answer is the counter at the moment of the call. */
cfm_status_t cfm_asic_time_get(cfm_asic_t *h, uint64_t *now_ns) { return read_now(h, now_ns); }

cfm_status_t cfm_mock_next_deadline(cfm_asic_t *h, uint64_t *at_ns) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_ext(h, &a);
  if (s != CFM_OK) return s;
  if (!at_ns) return CFM_EINVAL;
  return mock_next_deadline(a, at_ns) ? CFM_OK : CFM_ENOENT;
}

cfm_status_t cfm_mock_set_realtime(cfm_asic_t *h, uint32_t on) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_ext(h, &a);
  if (s != CFM_OK) return s;
  a->args.realtime = on ? 1 : 0;
  a->rt_origin_ns = 0;
  if (on) mock_sync_realtime(a);
  if (a->irq_running) pthread_cond_signal(&a->irq_cond); /* the interrupt thread follows the clock */
  mock_inject_kick(a);
  return CFM_OK;
}
