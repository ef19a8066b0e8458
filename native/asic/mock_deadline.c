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

/* Heap entries carry their key, so sifting compares without touching per-VOE memory. */
static int before(const mock_dl_entry_t *x, const mock_dl_entry_t *y) {
  return x->key < y->key || (x->key == y->key && x->idx < y->idx);
}

static void place(asic_t *a, uint32_t pos, mock_dl_entry_t e) {
  a->dl_heap[pos] = e;
  a->dl_pos[e.idx] = pos;
}

static void sift_up(asic_t *a, uint32_t pos) {
  mock_dl_entry_t e = a->dl_heap[pos];
  while (pos > 0) {
    uint32_t parent = (pos - 1) / 2;
    if (!before(&e, &a->dl_heap[parent])) break;
    place(a, pos, a->dl_heap[parent]);
    pos = parent;
  }
  place(a, pos, e);
}

static void sift_down(asic_t *a, uint32_t pos) {
  mock_dl_entry_t e = a->dl_heap[pos];
  for (;;) {
    uint32_t child = 2 * pos + 1;
    if (child >= a->dl_count) break;
    if (child + 1 < a->dl_count && before(&a->dl_heap[child + 1], &a->dl_heap[child])) child++;
    if (!before(&a->dl_heap[child], &e)) break;
    place(a, pos, a->dl_heap[child]);
    pos = child;
  }
  place(a, pos, e);
}

static void heap_remove(asic_t *a, uint32_t idx) {
  uint32_t pos = a->dl_pos[idx];
  a->dl_pos[idx] = MOCK_DL_NONE;
  mock_dl_entry_t last = a->dl_heap[--a->dl_count];
  if (pos == a->dl_count) return;
  place(a, pos, last);
  sift_up(a, pos);
  sift_down(a, a->dl_pos[last.idx]);
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
    pos = a->dl_count++;
    a->dl_heap[pos] = (mock_dl_entry_t){key, idx, 0};
    sift_up(a, pos);
    return;
  }
  uint64_t old = a->dl_heap[pos].key;
  a->dl_heap[pos].key = key;
  if (key < old) sift_up(a, pos);
  else if (key > old) sift_down(a, pos);
}

/* The VOE with the earliest (deadline, index) if that deadline is <= now. It stays queued with
 * its old deadline (still the smallest: whatever its due work sets on other VOEs lies after
 * now); the caller runs its due work, then mock_dl_update moves it down in one sift. */
voe_t *mock_dl_due(asic_t *a, uint64_t now_ns) {
  if (a->dl_count == 0 || a->dl_heap[0].key > now_ns) return NULL;
  return &a->voes[a->dl_heap[0].idx];
}

void mock_dl_rebuild(asic_t *a) {
  a->dl_count = 0;
  for (uint32_t i = 0; i < a->nvoes; i++) a->dl_pos[i] = MOCK_DL_NONE;
  for (uint32_t i = 0; i < a->nvoes; i++) mock_dl_update(a, &a->voes[i]);
}

int mock_next_deadline(const asic_t *a, uint64_t *at_ns) {
  if (a->dl_count == 0) return 0;
  uint64_t best = a->dl_heap[0].key;
  *at_ns = best < a->now_ns ? a->now_ns : best;
  return 1;
}
