/*
 * The VOE table: port VOEs (vlan 0) have ids 1..port_voes, service VOEs (vlan != 0) the ids
 * after them, as in MESA where port and service VOEs are separate pools (cfm-facts 5.1).
 * Configuration is validated the way a shim must validate it (docs/vendor-abi.md).
 */
#include <string.h>

#include "mock_internal.h"
#include "mock_pm.h"

voe_t *mock_voe_get(asic_t *a, uint32_t id) {
  if (id == 0 || id > a->nvoes) return NULL;
  voe_t *v = &a->voes[id - 1];
  return v->in_use ? v : NULL;
}

uint32_t mock_voe_id(const asic_t *a, const voe_t *v) { return (uint32_t)(v - a->voes) + 1; }

/* Keeps slots[idx], the MP stack index and the free bitmap in step with voes[idx] (after alloc,
 * conf_set, free and a state load). */
void mock_slot_update(asic_t *a, uint32_t idx) {
  const voe_t *v = &a->voes[idx];
  uint32_t key = v->in_use ? mock_slot_key(v->conf.port, v->conf.direction, v->conf.level, v->conf.vlan) : 0;
  mock_free_mark(a, idx, !v->in_use);
  if (key == a->slots[idx]) return;
  if (a->slots[idx]) mock_stack_remove(a, a->slots[idx], idx);
  a->slots[idx] = key;
  if (key) mock_stack_add(a, key, idx);
}

static cfm_status_t check_conf(const asic_t *a, const cfm_voe_conf_t *c, uint32_t self_id) {
  if (!c) return CFM_EINVAL;
  if (c->port >= a->args.ports || c->direction > CFM_DIR_UP || c->level > 7 || c->vlan > 4094) return CFM_EINVAL;
  if (memchr(c->key, 0, sizeof c->key) == NULL) return CFM_EINVAL; /* key must be NUL terminated */
  if (c->unicast_mac[0] & 1) return CFM_EINVAL;                      /* a unicast address */
  if (c->direction == CFM_DIR_UP && !(a->args.flags & CFM_CAP_UP_MEP)) return CFM_ENOTSUP;
  if (c->vlan != 0 && !(a->args.flags & CFM_CAP_VLAN_MEP)) return CFM_ENOTSUP;
  /* One MEP per (port, vlan, direction, level): the MP level demultiplexer needs it (802.1Q 22.3) */
  const mock_stack_t *st = mock_stack_find(a, c->port, c->direction, c->vlan);
  if (st && (st->mask & (1u << c->level)) && st->idx[c->level] + 1 != self_id) return CFM_EBUSY;
  return CFM_OK;
}

cfm_status_t cfm_voe_alloc(cfm_asic_t *h, const cfm_voe_conf_t *conf, uint32_t *id) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter(h, &a);
  if (s != CFM_OK) return s;
  if (!id) return CFM_EINVAL;
  if ((s = check_conf(a, conf, 0)) != CFM_OK) return s;
  if (a->table_full) return CFM_ENOSPC;
  uint32_t lo = conf->vlan == 0 ? 0 : a->args.port_voes;
  uint32_t hi = conf->vlan == 0 ? a->args.port_voes : a->nvoes;
  uint32_t i = mock_free_first(a, lo, hi); /* the lowest free id of the pool */
  if (i >= hi) return CFM_ENOSPC;
  voe_t *v = &a->voes[i];
  memset(v, 0, sizeof *v);
  mock_pm_clear(a, i);
  v->in_use = 1;
  v->conf = *conf;
  v->tx_seq = 1;
  mock_slot_update(a, i);
  *id = i + 1;
  a->generation++;
  return CFM_OK;
}

/* Every per-VOE call (here and the pm group, mock_pm.c) starts the same way: enter the ABI
 * (counts the call for fault injection, checks the handle) and look the VOE up, ENOENT when there
 * is none. */
cfm_status_t mock_enter_voe(cfm_asic_t *h, uint32_t id, asic_t **a, voe_t **v) {
  cfm_status_t s = mock_enter(h, a);
  if (s != CFM_OK) return s;
  *v = mock_voe_get(*a, id);
  return *v ? CFM_OK : CFM_ENOENT;
}

cfm_status_t cfm_voe_conf_set(cfm_asic_t *h, uint32_t id, const cfm_voe_conf_t *conf) {
  MOCK_HELD asic_t *a = NULL;
  voe_t *v;
  cfm_status_t s = mock_enter_voe(h, id, &a, &v);
  if (s != CFM_OK) return s;
  if ((s = check_conf(a, conf, id)) != CFM_OK) return s;
  if ((conf->vlan == 0) != (v->conf.vlan == 0)) return CFM_ENOTSUP; /* port <-> service pool */
  v->conf = *conf;
  mock_slot_update(a, id - 1);
  a->generation++;
  return CFM_OK;
}

cfm_status_t cfm_voe_conf_get(cfm_asic_t *h, uint32_t id, cfm_voe_conf_t *conf) {
  MOCK_HELD asic_t *a = NULL;
  voe_t *v;
  cfm_status_t s = mock_enter_voe(h, id, &a, &v);
  if (s != CFM_OK) return s;
  if (!conf) return CFM_EINVAL;
  *conf = v->conf;
  return CFM_OK;
}

cfm_status_t cfm_voe_free(cfm_asic_t *h, uint32_t id) {
  MOCK_HELD asic_t *a = NULL;
  voe_t *v;
  cfm_status_t s = mock_enter_voe(h, id, &a, &v);
  if (s != CFM_OK) return s;
  a->tx_load -= mock_voe_tx_load(v);
  memset(v, 0, sizeof *v);
  mock_pm_clear(a, id - 1);
  mock_slot_update(a, id - 1);
  mock_dl_update(a, v);
  a->generation++;
  return CFM_OK;
}

cfm_status_t cfm_voe_list(cfm_asic_t *h, uint32_t *ids, uint32_t max, uint32_t *count) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter(h, &a);
  if (s != CFM_OK) return s;
  if (!count || (max > 0 && !ids)) return CFM_EINVAL;
  uint32_t n = 0;
  for (uint32_t i = 0; i < a->nvoes; i++) {
    if (!a->slots[i]) continue;
    if (n < max) ids[n] = i + 1;
    n++;
  }
  *count = n;
  return CFM_OK;
}

/* Injector load of one interval: its nominal rate (802.1Q Table 21-1; 3.33 ms is 300 frames/s,
 * exactly the MESA AFI slow-injection maximum) in 1/600 frames/s, so that the running total
 * a->tx_load is an exact integer sum (10 min = 1/600 frame/s is the smallest rate). */
#define LOAD_PER_FPS MOCK_LOAD_PER_FPS
uint64_t mock_interval_load(uint32_t interval) {
  static const uint64_t load[8] = {0, 180000, 60000, 6000, 600, 60, 10, 1};
  return interval < 8 ? load[interval] : 0;
}
#define interval_load mock_interval_load

/* What a VOE adds to a->tx_load: transmitting VOEs only. */
uint64_t mock_voe_tx_load(const voe_t *v) {
  return v->in_use && v->cc_set && v->cc.tx_enable ? interval_load(v->cc.interval) : 0;
}

static cfm_status_t check_cc(const asic_t *a, const voe_t *self, const cfm_cc_conf_t *c) {
  if (!c) return CFM_EINVAL;
  if (c->mep_id < 1 || c->mep_id > 8191 || c->interval < 1 || c->interval > 7 || c->priority > 7)
    return CFM_EINVAL;
  if (c->tx_enable > 1 || c->rx_enable > 1 || c->seq_update > 1 || c->rdi > 1) return CFM_EINVAL;
  if (c->port_status_tlv > 2 || c->if_status_tlv > 7) return CFM_EINVAL;
  if (c->peer_count > CFM_ASIC_MAX_PEERS) return CFM_EINVAL;
  for (uint32_t i = 0; i < c->peer_count; i++) {
    if (c->peers[i] < 1 || c->peers[i] > 8191) return CFM_EINVAL;
    for (uint32_t j = 0; j < i; j++)
      if (c->peers[j] == c->peers[i]) return CFM_EINVAL;
  }
  if (c->peer_count > a->args.peers_per_voe) return CFM_ENOTSUP;
  if (c->tx_enable && !(a->args.tx_mask & (1u << c->interval))) return CFM_ENOTSUP;
  if (c->rx_enable && !(a->args.rx_mask & (1u << c->interval))) return CFM_ENOTSUP;
  if (c->tx_enable && a->args.tx_mode == CFM_TX_MODE_INJECTED && a->args.budget_fps > 0) {
    /* the running total of all transmitting VOEs, minus what this one sends today */
    /* periodic injections (mock_inject.c) use the same injector */
    uint64_t load = a->tx_load + a->inj_load - mock_voe_tx_load(self) + interval_load(c->interval);
    if (load > (uint64_t)a->args.budget_fps * LOAD_PER_FPS) return CFM_EBUDGET;
  }
  return CFM_OK;
}

cfm_status_t cfm_voe_cc_set(cfm_asic_t *h, uint32_t id, const cfm_cc_conf_t *cc) {
  MOCK_HELD asic_t *a = NULL;
  voe_t *v;
  cfm_status_t s = mock_enter_voe(h, id, &a, &v);
  if (s != CFM_OK) return s;
  if ((s = check_cc(a, v, cc)) != CFM_OK) return s;

  /* Keep the state of peers that stay (same interval): an update must not fake a LOC. */
  peer_state_t old[CFM_ASIC_MAX_PEERS];
  memcpy(old, v->peers, sizeof old);
  cfm_cc_conf_t prev = v->cc;
  uint32_t had = v->cc_set;
  memset(v->peers, 0, sizeof v->peers);
  for (uint32_t i = 0; i < cc->peer_count; i++) {
    peer_state_t *p = &v->peers[i];
    int kept = 0;
    if (had && prev.rx_enable && cc->rx_enable && prev.interval == cc->interval) {
      for (uint32_t j = 0; j < prev.peer_count; j++)
        if (prev.peers[j] == cc->peers[i]) {
          *p = old[j];
          kept = 1;
        }
    }
    /* A new peer starts its rMEPwhile timer now (802.1Q 20.20): LOC if nothing arrives. */
    if (!kept && cc->rx_enable) p->loc_deadline_ns = a->now_ns + mock_loc_ns(cc->interval);
  }
  if (!cc->tx_enable) v->next_tx_ns = 0;
  else if (!had || !prev.tx_enable || prev.interval != cc->interval || v->next_tx_ns == 0)
    v->next_tx_ns = a->now_ns == 0 ? 1 : a->now_ns; /* first CCM right away; 0 means "off" */
  if (!cc->rx_enable) memset(v->unexp_until_ns, 0, sizeof v->unexp_until_ns);
  a->tx_load -= mock_voe_tx_load(v);
  v->cc = *cc;
  for (uint32_t i = cc->peer_count; i < CFM_ASIC_MAX_PEERS; i++) v->cc.peers[i] = 0;
  v->cc_set = 1;
  a->tx_load += mock_voe_tx_load(v);
  mock_dl_update(a, v);
  a->generation++;
  return CFM_OK;
}

cfm_status_t cfm_voe_cc_get(cfm_asic_t *h, uint32_t id, cfm_cc_conf_t *cc) {
  MOCK_HELD asic_t *a = NULL;
  voe_t *v;
  cfm_status_t s = mock_enter_voe(h, id, &a, &v);
  if (s != CFM_OK) return s;
  if (!cc) return CFM_EINVAL;
  if (!v->cc_set) return CFM_ENOENT;
  *cc = v->cc;
  return CFM_OK;
}

cfm_status_t cfm_voe_rdi_set(cfm_asic_t *h, uint32_t id, uint32_t rdi) {
  MOCK_HELD asic_t *a = NULL;
  voe_t *v;
  cfm_status_t s = mock_enter_voe(h, id, &a, &v);
  if (s != CFM_OK) return s;
  if (rdi > 1) return CFM_EINVAL;
  if (!v->cc_set) return CFM_ENOENT;
  v->cc.rdi = rdi;
  a->generation++;
  return CFM_OK;
}

cfm_status_t cfm_voe_status_get(cfm_asic_t *h, uint32_t id, uint32_t clear_sticky, cfm_voe_status_t *st) {
  MOCK_HELD asic_t *a = NULL;
  voe_t *v;
  cfm_status_t s = mock_enter_voe(h, id, &a, &v);
  if (s != CFM_OK) return s;
  if (!st || clear_sticky > 1) return CFM_EINVAL;
  memset(st, 0, sizeof *st);
  st->peer_count = v->cc_set ? v->cc.peer_count : 0;
  for (uint32_t i = 0; i < st->peer_count; i++) {
    const peer_state_t *p = &v->peers[i];
    cfm_peer_status_t *o = &st->peers[i];
    o->mep_id = v->cc.peers[i];
    o->loc = p->loc;
    o->rdi = p->rdi;
    o->seen = p->seen;
    o->port_status_tlv = p->port_tlv;
    o->if_status_tlv = p->if_tlv;
    o->last_seq = p->last_seq;
    memcpy(o->mac, p->mac, 6);
  }
  st->sticky = v->sticky;
  if (clear_sticky) v->sticky = 0;
  st->ccm_tx = v->ccm_tx;
  st->ccm_rx_valid = v->rx_valid;
  st->ccm_rx_invalid = v->rx_invalid;
  st->ccm_rx_out_of_order = v->rx_oo;
  st->cpu_copies = v->cpu_copies;
  return CFM_OK;
}

cfm_status_t cfm_voe_tx_seq_set(cfm_asic_t *h, uint32_t id, uint32_t seq) {
  MOCK_HELD asic_t *a = NULL;
  voe_t *v;
  cfm_status_t s = mock_enter_voe(h, id, &a, &v);
  if (s != CFM_OK) return s;
  v->tx_seq = seq;
  a->generation++;
  return CFM_OK;
}

cfm_status_t cfm_voe_tx_seq_get(cfm_asic_t *h, uint32_t id, uint32_t *seq) {
  MOCK_HELD asic_t *a = NULL;
  voe_t *v;
  cfm_status_t s = mock_enter_voe(h, id, &a, &v);
  if (s != CFM_OK) return s;
  if (!seq) return CFM_EINVAL;
  *seq = v->tx_seq;
  return CFM_OK;
}

cfm_status_t cfm_asic_config_generation(cfm_asic_t *h, uint64_t *generation) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter(h, &a);
  if (s != CFM_OK) return s;
  if (!generation) return CFM_EINVAL;
  *generation = a->generation;
  return CFM_OK;
}

/* One pass over the compact slot index: the whole table in one call (docs/vendor-abi.md). */
cfm_status_t cfm_voe_dump(cfm_asic_t *h, cfm_voe_entry_t *entries, uint32_t max, uint32_t *count,
                          uint64_t *generation) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter(h, &a);
  if (s != CFM_OK) return s;
  if (!count || !generation || (max > 0 && !entries)) return CFM_EINVAL;
  uint32_t n = 0;
  for (uint32_t i = 0; i < a->nvoes; i++) {
    if (!a->slots[i]) continue;
    if (n < max) {
      const voe_t *v = &a->voes[i];
      cfm_voe_entry_t *e = &entries[n];
      memset(e, 0, sizeof *e);
      e->voe = i + 1;
      e->cc_set = v->cc_set;
      e->conf = v->conf;
      if (v->cc_set) e->cc = v->cc;
    }
    n++;
  }
  *count = n;
  *generation = a->generation;
  return CFM_OK;
}
