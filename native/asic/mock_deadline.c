/*
 * The deadline queue: a binary min-heap of the VOEs that have a timer running, keyed by each
 * VOE's earliest deadline (next CCM transmission, each peer's rMEPwhile expiry = LOC, 802.1Q
 * 20.20; unexpected-X defect expiries). Ties are broken by VOE index, so the events of one
 * instant come out in VOE index order, as they did when the mock walked the whole table.
 *
 * Whatever changes a VOE's timers calls mock_dl_update (O(log n)); the next deadline is the top
 * (O(1)); advancing time pops only the VOEs that are due. A real ASIC's timer wheel does not
 * depend on how many VOEs exist either.
 */
#include "mock_internal.h"

static void consider(uint64_t t, uint64_t *best) {
  if (t != 0 && (*best == 0 || t < *best)) *best = t;
}

/* Earliest timer of a VOE, 0 when none runs (free, no CC config, tx and rx timers stopped). */
static uint64_t voe_deadline(const voe_t *v) {
  if (!v->in_use || !v->cc_set) return 0;
  uint64_t best = 0;
  consider(v->next_tx_ns, &best);
  for (uint32_t p = 0; p < v->cc.peer_count; p++) consider(v->peers[p].loc_deadline_ns, &best);
  for (uint32_t k = 0; k < MOCK_UNEXP_KINDS; k++) consider(v->unexp_until_ns[k], &best);
  return best;
}

static int before(const asic_t *a, uint32_t x, uint32_t y) {
  return a->dl_key[x] < a->dl_key[y] || (a->dl_key[x] == a->dl_key[y] && x < y);
}

static void place(asic_t *a, uint32_t pos, uint32_t idx) {
  a->dl_heap[pos] = idx;
  a->dl_pos[idx] = pos;
}

static void sift_up(asic_t *a, uint32_t pos) {
  uint32_t idx = a->dl_heap[pos];
  while (pos > 0) {
    uint32_t parent = (pos - 1) / 2;
    if (!before(a, idx, a->dl_heap[parent])) break;
    place(a, pos, a->dl_heap[parent]);
    pos = parent;
  }
  place(a, pos, idx);
}

static void sift_down(asic_t *a, uint32_t pos) {
  uint32_t idx = a->dl_heap[pos];
  for (;;) {
    uint32_t child = 2 * pos + 1;
    if (child >= a->dl_count) break;
    if (child + 1 < a->dl_count && before(a, a->dl_heap[child + 1], a->dl_heap[child])) child++;
    if (!before(a, a->dl_heap[child], idx)) break;
    place(a, pos, a->dl_heap[child]);
    pos = child;
  }
  place(a, pos, idx);
}

static void heap_remove(asic_t *a, uint32_t idx) {
  uint32_t pos = a->dl_pos[idx];
  a->dl_pos[idx] = MOCK_DL_NONE;
  uint32_t last = a->dl_heap[--a->dl_count];
  if (pos == a->dl_count) return;
  place(a, pos, last);
  sift_up(a, pos);
  sift_down(a, a->dl_pos[last]);
}

void mock_dl_update(asic_t *a, const voe_t *v) {
  uint32_t idx = (uint32_t)(v - a->voes);
  uint64_t key = voe_deadline(v);
  uint32_t pos = a->dl_pos[idx];
  if (key == 0) {
    if (pos != MOCK_DL_NONE) heap_remove(a, idx);
    return;
  }
  if (pos == MOCK_DL_NONE) {
    a->dl_key[idx] = key;
    place(a, a->dl_count++, idx);
    sift_up(a, a->dl_count - 1);
    return;
  }
  uint64_t old = a->dl_key[idx];
  a->dl_key[idx] = key;
  if (key < old) sift_up(a, pos);
  else if (key > old) sift_down(a, pos);
}

/* The VOE with the earliest (deadline, index) if that deadline is <= now, removed from the queue
 * (the caller runs its due work, then puts it back with mock_dl_update). */
voe_t *mock_dl_pop_due(asic_t *a, uint64_t now_ns) {
  if (a->dl_count == 0) return NULL;
  uint32_t idx = a->dl_heap[0];
  if (a->dl_key[idx] > now_ns) return NULL;
  heap_remove(a, idx);
  return &a->voes[idx];
}

void mock_dl_rebuild(asic_t *a) {
  a->dl_count = 0;
  for (uint32_t i = 0; i < a->nvoes; i++) a->dl_pos[i] = MOCK_DL_NONE;
  for (uint32_t i = 0; i < a->nvoes; i++) mock_dl_update(a, &a->voes[i]);
}

int mock_next_deadline(const asic_t *a, uint64_t *at_ns) {
  if (a->dl_count == 0) return 0;
  uint64_t best = a->dl_key[a->dl_heap[0]];
  *at_ns = best < a->now_ns ? a->now_ns : best;
  return 1;
}
