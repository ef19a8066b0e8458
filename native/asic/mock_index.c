/*
 * Lookup structures of the VOE table, so that configuration and frame reception cost the same
 * with 8 or 100,000 VOEs (docs/mock-asic.md "Scaling"):
 *
 * - MP stacks: (port, direction, vlan) -> the VOE at each MD level. The MP level demultiplexer
 *   (802.1Q 22.3) of a received frame and the one-MEP-per-(port, direction, level, vlan) check of
 *   a configuration are one hash lookup. Open addressing with linear probing, grown by doubling
 *   at half load, deletion by backward shift (no tombstones).
 * - Free slots: a bitmap with a summary word per 64 words; allocation takes the lowest free id of
 *   the pool, as the table walk did, in O(nvoes / 4096) word reads at worst.
 */
#include <stdlib.h>
#include <string.h>

#include "mock_internal.h"

#define STACK_MIN_CAP 16u

static uint32_t hash32(uint32_t k) {
  k ^= k >> 16;
  k *= 0x7feb352du;
  k ^= k >> 15;
  k *= 0x846ca68bu;
  k ^= k >> 16;
  return k;
}

static uint32_t stack_key(uint32_t slot_key) { return slot_key & ~MOCK_SLOT_LEVEL_MASK; }

static uint32_t slot_level(uint32_t slot_key) { return (slot_key & MOCK_SLOT_LEVEL_MASK) >> 12; }

static uint32_t probe(const mock_stack_t *t, uint32_t cap, uint32_t key) {
  uint32_t i = hash32(key) & (cap - 1);
  while (t[i].key != 0 && t[i].key != key) i = (i + 1) & (cap - 1);
  return i;
}

static int stacks_grow(asic_t *a) {
  uint32_t cap = a->stack_cap * 2;
  mock_stack_t *t = calloc(cap, sizeof *t);
  if (!t) return 0;
  for (uint32_t i = 0; i < a->stack_cap; i++)
    if (a->stacks[i].key) t[probe(t, cap, a->stacks[i].key)] = a->stacks[i];
  free(a->stacks);
  a->stacks = t;
  a->stack_cap = cap;
  return 1;
}

const mock_stack_t *mock_stack_find(const asic_t *a, uint32_t port, uint32_t dir, uint32_t vlan) {
  const mock_stack_t *e = &a->stacks[probe(a->stacks, a->stack_cap, mock_slot_key(port, dir, 0, vlan))];
  return e->key ? e : NULL;
}

/* A VOE joins its stack. A level already taken (only possible from a hand-made state file) keeps
 * its first VOE. */
void mock_stack_add(asic_t *a, uint32_t slot_key, uint32_t idx) {
  uint32_t key = stack_key(slot_key), level = slot_level(slot_key);
  /* grow before inserting so the load stays <= 1/2; if growing fails the table is still usable
   * (a full table would loop forever in probe(), hence the hard limit) */
  if ((a->stack_count + 1) * 2 > a->stack_cap && !stacks_grow(a) && a->stack_count + 1 >= a->stack_cap) return;
  mock_stack_t *e = &a->stacks[probe(a->stacks, a->stack_cap, key)];
  if (!e->key) {
    memset(e, 0, sizeof *e);
    e->key = key;
    a->stack_count++;
  }
  if (e->mask & (1u << level)) return;
  e->mask |= 1u << level;
  e->idx[level] = idx;
}

void mock_stack_remove(asic_t *a, uint32_t slot_key, uint32_t idx) {
  uint32_t key = stack_key(slot_key), level = slot_level(slot_key);
  uint32_t mask = a->stack_cap - 1;
  uint32_t i = probe(a->stacks, a->stack_cap, key);
  mock_stack_t *t = a->stacks;
  if (!t[i].key || !(t[i].mask & (1u << level)) || t[i].idx[level] != idx) return;
  t[i].mask &= ~(1u << level);
  if (t[i].mask) return;
  /* the stack is empty: delete the entry and shift later entries of its probe run back */
  a->stack_count--;
  uint32_t j = i;
  for (;;) {
    t[i].key = 0;
    for (;;) {
      j = (j + 1) & mask;
      if (!t[j].key) return;
      uint32_t home = hash32(t[j].key) & mask;
      /* t[j] may move to the hole at i unless its home lies cyclically in (i, j] */
      int stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) break;
    }
    t[i] = t[j];
    i = j;
  }
}

void mock_free_mark(asic_t *a, uint32_t idx, int is_free) {
  uint32_t w = idx / 64;
  uint64_t bit = 1ull << (idx % 64);
  if (is_free) a->free_bits[w] |= bit;
  else a->free_bits[w] &= ~bit;
  uint64_t sbit = 1ull << (w % 64);
  if (a->free_bits[w]) a->free_sum[w / 64] |= sbit;
  else a->free_sum[w / 64] &= ~sbit;
}

/* Lowest free slot in [lo, hi), hi when there is none. */
uint32_t mock_free_first(const asic_t *a, uint32_t lo, uint32_t hi) {
  if (lo >= hi) return hi;
  uint32_t w = lo / 64;
  uint64_t m = a->free_bits[w] & (~0ull << (lo % 64));
  if (!m) {
    uint32_t nwords = (a->nvoes + 63) / 64, nsum = (nwords + 63) / 64;
    uint32_t next = w + 1, s = next / 64;
    uint64_t sm = s < nsum ? a->free_sum[s] & (~0ull << (next % 64)) : 0;
    while (!sm && ++s < nsum) sm = a->free_sum[s];
    if (!sm) return hi;
    w = s * 64 + (uint32_t)__builtin_ctzll(sm);
    m = a->free_bits[w];
  }
  uint32_t idx = w * 64 + (uint32_t)__builtin_ctzll(m);
  return idx < hi ? idx : hi;
}

cfm_status_t mock_index_alloc(asic_t *a) {
  uint32_t n = a->nvoes ? a->nvoes : 1;
  uint32_t nwords = (n + 63) / 64, nsum = (nwords + 63) / 64;
  a->stack_cap = STACK_MIN_CAP;
  a->stacks = calloc(a->stack_cap, sizeof *a->stacks);
  a->free_bits = calloc(nwords, sizeof *a->free_bits);
  a->free_sum = calloc(nsum, sizeof *a->free_sum);
  a->dl_heap = calloc(n, sizeof *a->dl_heap);
  a->dl_pos = calloc(n, sizeof *a->dl_pos);
  a->dl_due = calloc(n, sizeof *a->dl_due);
  a->dl_mark = calloc(nwords, sizeof *a->dl_mark);
  if (!a->stacks || !a->free_bits || !a->free_sum || !a->dl_heap || !a->dl_pos || !a->dl_due || !a->dl_mark)
    return CFM_ENOMEM;
  return CFM_OK;
}

void mock_index_free(asic_t *a) {
  free(a->stacks);
  free(a->free_bits);
  free(a->free_sum);
  free(a->dl_heap);
  free(a->dl_pos);
  free(a->dl_due);
  free(a->dl_mark);
}

/* Everything derived from voes[]: at open (fresh or loaded from a state file). */
void mock_index_rebuild(asic_t *a) {
  memset(a->stacks, 0, a->stack_cap * sizeof *a->stacks);
  a->stack_count = 0;
  a->tx_load = 0;
  for (uint32_t i = 0; i < a->nvoes; i++) {
    a->slots[i] = 0;
    mock_slot_update(a, i);
    a->tx_load += mock_voe_tx_load(&a->voes[i]);
  }
  mock_dl_rebuild(a);
}
