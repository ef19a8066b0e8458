/*
 * CPU-protection policers: a token bucket per policer in packets per second, applied only to
 * frames punted to the CPU (frames relayed as data are not policed), matching port, VLAN, MD
 * level and opcode. First match (lowest id) wins, like an ordered CPU-protection policy (seed
 * 002); a frame no policer matches is admitted.
 */
#include <string.h>

#include "mock_internal.h"

static int matches(const cfm_policer_conf_t *c, uint32_t port, const frame_view_t *fv) {
  if (!c->enable) return 0;
  if (c->port != CFM_POLICER_ANY_PORT && c->port != port) return 0;
  if (c->vlan != 0 && c->vlan != fv->vlan) return 0;
  if (c->level_mask != 0 && !(c->level_mask & (1u << fv->level))) return 0;
  int any_op = 1;
  for (int i = 0; i < 8; i++)
    if (c->opcode_mask[i]) any_op = 0;
  if (!any_op && !(c->opcode_mask[fv->opcode >> 5] & (1u << (fv->opcode & 31)))) return 0;
  return 1;
}

static double burst_of(const cfm_policer_conf_t *c) {
  if (c->burst) return (double)c->burst;
  return c->rate_pps > 1 ? (double)c->rate_pps : 1.0;
}

int mock_policer_admit(asic_t *a, uint32_t port, const frame_view_t *fv) {
  if (!fv->pdu) return 1;
  for (uint32_t i = 0; i < a->args.policers; i++) {
    policer_t *p = &a->policers[i];
    if (!matches(&p->conf, port, fv)) continue;
    if (p->conf.rate_pps == 0) {
      p->dropped++;
      return 0;
    }
    double cap = burst_of(&p->conf);
    if (a->now_ns > p->last_ns) {
      p->tokens += (double)(a->now_ns - p->last_ns) * 1e-9 * (double)p->conf.rate_pps;
      if (p->tokens > cap) p->tokens = cap;
      p->last_ns = a->now_ns;
    }
    if (p->tokens >= 1.0) {
      p->tokens -= 1.0;
      p->passed++;
      return 1;
    }
    p->dropped++;
    return 0;
  }
  return 1;
}

/* Every policer call starts the same way: enter the ABI, then policer `id`: ENOTSUP on a device
 * without policers (caps.policers 0), EINVAL for an id past the last (ids 0..policers-1). */
static cfm_status_t enter_policer(cfm_asic_t *h, uint32_t id, asic_t **a) {
  cfm_status_t s = mock_enter(h, a);
  if (s != CFM_OK) return s;
  if (id >= (*a)->args.policers) return (*a)->args.policers == 0 ? CFM_ENOTSUP : CFM_EINVAL;
  return CFM_OK;
}

cfm_status_t cfm_policer_set(cfm_asic_t *h, uint32_t id, const cfm_policer_conf_t *conf) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = enter_policer(h, id, &a);
  if (s != CFM_OK) return s;
  if (!conf || conf->enable > 1 || conf->vlan > 4094 || conf->level_mask > 0xff) return CFM_EINVAL;
  if (conf->port != CFM_POLICER_ANY_PORT && conf->port >= a->args.ports) return CFM_EINVAL;
  policer_t *p = &a->policers[id];
  p->conf = *conf;
  p->tokens = burst_of(conf); /* a new policer starts with a full bucket */
  p->last_ns = a->now_ns;
  p->passed = 0;
  p->dropped = 0;
  a->generation++;
  return CFM_OK;
}

cfm_status_t cfm_policer_get(cfm_asic_t *h, uint32_t id, cfm_policer_conf_t *conf) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = enter_policer(h, id, &a);
  if (s != CFM_OK) return s;
  if (!conf) return CFM_EINVAL;
  *conf = a->policers[id].conf;
  return CFM_OK;
}

cfm_status_t cfm_policer_counters_get(cfm_asic_t *h, uint32_t id, uint32_t clear, cfm_policer_counters_t *c) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = enter_policer(h, id, &a);
  if (s != CFM_OK) return s;
  if (!c || clear > 1) return CFM_EINVAL;
  c->passed = a->policers[id].passed;
  c->dropped = a->policers[id].dropped;
  if (clear) a->policers[id].passed = a->policers[id].dropped = 0;
  return CFM_OK;
}
