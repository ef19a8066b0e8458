/*
 * Frame queues of the mock: the CPU punt queue (bounded like a CPU extraction queue; overflow
 * counted) and the wire transmit queue (what the ASIC puts on its ports: generated CCMs,
 * CPU-injected frames, relayed frames), drained by cfm_mock_port_tx_poll.
 */
#include <stdlib.h>
#include <string.h>

#include "mock_internal.h"
#include "mock_pm.h"

void mock_queue_init(frame_queue_t *q, uint32_t cap) {
  memset(q, 0, sizeof *q);
  q->cap = cap;
}

void mock_queue_clear(frame_queue_t *q) {
  frame_node_t *n = q->head;
  while (n) {
    frame_node_t *next = n->next;
    free(n);
    n = next;
  }
  q->head = q->tail = NULL;
  q->count = 0;
}

int mock_queue_push(frame_queue_t *q, const cfm_frame_info_t *info, const uint8_t *data) {
  if (q->count >= q->cap) return 0;
  frame_node_t *n = malloc(sizeof *n + info->len);
  if (!n) return 0;
  n->next = NULL;
  n->info = *info;
  memcpy(n->data, data, info->len);
  if (q->tail) q->tail->next = n;
  else q->head = n;
  q->tail = n;
  q->count++;
  return 1;
}

/* Pops the head into (info, buf); CFM_E2BIG leaves it queued. */
static cfm_status_t queue_pop(frame_queue_t *q, cfm_frame_info_t *info, uint8_t *buf, uint32_t buf_len) {
  frame_node_t *n = q->head;
  if (!n) return CFM_EAGAIN;
  if (n->info.len > buf_len) return CFM_E2BIG;
  memcpy(buf, n->data, n->info.len);
  *info = n->info;
  q->head = n->next;
  if (!q->head) q->tail = NULL;
  q->count--;
  free(n);
  return CFM_OK;
}

void mock_wire_emit(asic_t *a, uint32_t port, const uint8_t *frame, uint32_t len) {
  mock_wire_emit_at(a, port, frame, len, a->now_ns);
}

void mock_wire_emit_at(asic_t *a, uint32_t port, const uint8_t *frame, uint32_t len, uint64_t at_ns) {
  cfm_frame_info_t info = {port, len, 0, 0, at_ns};
  if (!mock_queue_push(&a->wire, &info, frame)) a->counters.tx_overflow++;
}

void mock_punt(asic_t *a, uint32_t port, voe_t *v, uint32_t reason, const frame_view_t *fv) {
  if (!mock_policer_admit(a, port, fv)) {
    a->counters.policer_dropped++;
    return;
  }
  uint8_t stamped[CFM_ASIC_MAX_FRAME + 4];
  uint32_t len = fv->len;
  const uint8_t *data = v ? mock_pm_rx(a, v, fv, stamped, &len) : fv->frame;
  cfm_frame_info_t info = {port, len, reason, v ? mock_voe_id(a, v) : 0, a->now_ns};
  if (!mock_queue_push(&a->punt, &info, data)) {
    a->counters.punt_overflow++;
    return;
  }
  a->counters.punted++;
  if (v) v->cpu_copies++;
  mock_board_raise(a);
}

cfm_status_t cfm_frame_rx(cfm_asic_t *h, cfm_frame_info_t *info, uint8_t *buf, uint32_t buf_len) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_frame(h, &a);
  if (s != CFM_OK) return s;
  if (!info || (!buf && buf_len > 0)) return CFM_EINVAL;
  s = queue_pop(&a->punt, info, buf, buf_len);
  mock_board_drained(a);
  return s;
}

cfm_status_t cfm_frame_tx(cfm_asic_t *h, uint32_t port, const uint8_t *frame, uint32_t len, uint32_t towards) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_frame(h, &a);
  if (s != CFM_OK) return s;
  if (!(a->args.flags & CFM_CAP_FRAME_IO)) return CFM_ENOTSUP;
  if (port >= a->args.ports || !frame || len < 14 || len > CFM_ASIC_MAX_FRAME || towards > CFM_TX_TO_RELAY)
    return CFM_EINVAL;
  uint8_t stamped[CFM_ASIC_MAX_FRAME];
  frame = mock_pm_tx(a, port, towards, frame, len, stamped);
  if (towards == CFM_TX_TO_WIRE) {
    mock_wire_emit(a, port, frame, len);
  } else {
    frame_view_t fv;
    if (!mock_parse(frame, len, &fv)) return CFM_EINVAL;
    mock_relay(a, port, &fv);
  }
  return CFM_OK;
}

cfm_status_t cfm_mock_port_tx_poll(cfm_asic_t *h, uint32_t *port, uint8_t *buf, uint32_t buf_len, uint32_t *len) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_ext(h, &a);
  if (s != CFM_OK) return s;
  if (!port || !len || (!buf && buf_len > 0)) return CFM_EINVAL;
  cfm_frame_info_t info;
  s = queue_pop(&a->wire, &info, buf, buf_len);
  if (s == CFM_OK) {
    *port = info.port;
    *len = info.len;
  }
  return s;
}

cfm_status_t cfm_mock_port_tx_poll_info(cfm_asic_t *h, cfm_frame_info_t *info, uint8_t *buf, uint32_t buf_len) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_ext(h, &a);
  if (s != CFM_OK) return s;
  if (!info || (!buf && buf_len > 0)) return CFM_EINVAL;
  return queue_pop(&a->wire, info, buf, buf_len);
}
