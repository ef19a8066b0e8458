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

static void heapify(asic_t *a) {
  for (uint32_t p = a->dl_count / 2; p-- > 0;) sift_down(a, p);
}

/* The VOEs whose earliest deadline is <= now, in index order, into a->dl_due (returns how many).
 * They form a subtree at the root of the heap: a walk of that subtree finds them in O(k). Order:
 * an insertion sort when few, else a bitmap (all VOEs in step: k = n). The entries stay queued. */
uint32_t mock_dl_collect_due(asic_t *a, uint64_t now_ns) {
  uint32_t *due = a->dl_due, k = 0;
  if (a->dl_count == 0 || a->dl_heap[0].key > now_ns) return 0;
  due[k++] = 0; /* heap positions first (breadth first) */
  for (uint32_t i = 0; i < k; i++) {
    uint32_t c = 2 * due[i] + 1;
    if (c < a->dl_count && a->dl_heap[c].key <= now_ns) due[k++] = c;
    if (c + 1 < a->dl_count && a->dl_heap[c + 1].key <= now_ns) due[k++] = c + 1;
  }
  for (uint32_t i = 0; i < k; i++) due[i] = a->dl_heap[due[i]].idx;
  if (k <= 32) {
    for (uint32_t i = 1; i < k; i++) {
      uint32_t x = due[i], j = i;
      for (; j > 0 && due[j - 1] > x; j--) due[j] = due[j - 1];
      due[j] = x;
    }
    return k;
  }
  uint32_t lo = UINT32_MAX, hi = 0;
  for (uint32_t i = 0; i < k; i++) {
    uint32_t w = due[i] / 64;
    a->dl_mark[w] |= 1ull << (due[i] % 64);
    if (w < lo) lo = w;
    if (w > hi) hi = w;
  }
  k = 0;
  for (uint32_t w = lo; w <= hi; w++) {
    for (uint64_t m = a->dl_mark[w]; m; m &= m - 1) due[k++] = w * 64 + (uint32_t)__builtin_ctzll(m);
    a->dl_mark[w] = 0;
  }
  return k;
}

/* After the due VOEs ran: their new deadlines. One sift each, or when most of the queue was due
 * (VOEs in step) new keys in place and one O(n) heapify. */
void mock_dl_requeue(asic_t *a, const uint32_t *idx, uint32_t k) {
  if (k < 8 || k < a->dl_count / 8) {
    for (uint32_t i = 0; i < k; i++) mock_dl_update(a, &a->voes[idx[i]]);
    return;
  }
  for (uint32_t i = 0; i < k; i++) {
    uint32_t pos = a->dl_pos[idx[i]];
    uint64_t key = voe_deadline(&a->voes[idx[i]]);
    if (pos == MOCK_DL_NONE) {
      if (key == 0) continue;
      pos = a->dl_count++;
    } else if (key == 0) { /* out: the last entry takes its place, order restored below */
      a->dl_pos[idx[i]] = MOCK_DL_NONE;
      if (pos != --a->dl_count) place(a, pos, a->dl_heap[a->dl_count]);
      continue;
    }
    place(a, pos, (mock_dl_entry_t){key, idx[i], 0});
  }
  heapify(a);
}

void mock_dl_rebuild(asic_t *a) {
  a->dl_count = 0;
  for (uint32_t i = 0; i < a->nvoes; i++) a->dl_pos[i] = MOCK_DL_NONE;
  for (uint32_t i = 0; i < a->nvoes; i++) mock_dl_update(a, &a->voes[i]);
}

/* The next deadline: VOE timers, and in virtual time the periodic injections (mock_inject.c; in
 * real time their own thread keeps those). */
int mock_next_deadline(const asic_t *a, uint64_t *at_ns) {
  uint64_t best = 0, inj;
  int have = 0;
  if (a->dl_count > 0) {
    best = a->dl_heap[0].key;
    have = 1;
  }
  if (!a->args.realtime && mock_inject_next(a, &inj) && (!have || inj < best)) {
    best = inj;
    have = 1;
  }
  if (!have) return 0;
  *at_ns = best < a->now_ns ? a->now_ns : best;
  return 1;
}
