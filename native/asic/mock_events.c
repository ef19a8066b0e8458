/*
 * Hardware events, polled (no callbacks across threads): a bounded ring like an interrupt
 * status FIFO. When it is full the newest event is lost and counted (event_overflow); the
 * status read-back still shows the current state, so a manager that lost events re-reads.
 */
#include "mock_internal.h"

void mock_event(asic_t *a, uint32_t voe, uint32_t kind, uint32_t peer, uint32_t active, uint32_t value) {
  if (a->ev_count >= a->args.event_len) {
    a->counters.event_overflow++;
    return;
  }
  cfm_event_t *e = &a->events[(a->ev_head + a->ev_count) % a->args.event_len];
  e->voe = voe;
  e->kind = kind;
  e->peer_mep_id = peer;
  e->active = active;
  e->value = value;
  e->reserved = 0;
  e->time_ns = a->now_ns;
  a->ev_count++;
  mock_board_raise(a); /* the interrupt: event fd readable */
}

cfm_status_t cfm_event_poll(cfm_asic_t *h, cfm_event_t *evs, uint32_t max, uint32_t *count) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter(h, &a);
  if (s != CFM_OK) return s;
  if (!count || (max > 0 && !evs)) return CFM_EINVAL;
  uint32_t n = 0;
  while (n < max && a->ev_count > 0) {
    evs[n++] = a->events[a->ev_head];
    a->ev_head = (a->ev_head + 1) % a->args.event_len;
    a->ev_count--;
  }
  *count = n;
  mock_board_drained(a);
  return CFM_OK;
}
