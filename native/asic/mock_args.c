/*
 * Open arguments of the mock ASIC: "key=value;key=value". They come from a hardware profile
 * (table sizes, intervals, peers per VOE, injector budget ...), so a test or simulator can make
 * the mock look like a given chip family. Unknown keys and bad values are CFM_EINVAL: a typo in a
 * profile must not silently give a different switch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_internal.h"

static void defaults(mock_args_t *m) {
  memset(m, 0, sizeof *m);
  m->ports = 8;
  m->port_voes = 8;
  m->service_voes = 64;
  m->tx_mask = 0x1e; /* 3.33 ms .. 1 s, like most VOP chips (cfm-facts 5.1) */
  m->rx_mask = 0x1e;
  m->peers_per_voe = 1;
  m->flags = CFM_CAP_UP_MEP | CFM_CAP_VLAN_MEP | CFM_CAP_FRAME_IO | CFM_CAP_PM_DM | CFM_CAP_PM_LM;
  m->tx_mode = CFM_TX_MODE_HARDWARE;
  m->policers = 8;
  m->punt_len = 256;
  m->event_len = 1024;
  m->wire_len = 65536;
  m->fail_random_status = CFM_EIO;
  m->inject_seq = 1; /* the injector (inject=N, default 0 = none) stamps sequence numbers */
  snprintf(m->description, sizeof m->description, "mock ASIC");
}

static int parse_u32(const char *s, uint32_t max, uint32_t *out) {
  char *end;
  if (*s == 0) return 0;
  unsigned long v = strtoul(s, &end, 0);
  if (*end != 0 || v > max) return 0;
  *out = (uint32_t)v;
  return 1;
}

/* Microseconds, at most 10 s, as ns. */
static int parse_u64_us(const char *s, uint64_t *ns) {
  uint32_t us;
  if (!parse_u32(s, 10000000u, &us)) return 0;
  *ns = (uint64_t)us * 1000u;
  return 1;
}

/* A failure status by name ("EIO") for the random failures. */
static int parse_status(const char *s, cfm_status_t *out) {
  for (cfm_status_t st = CFM_EINVAL; st >= CFM_EVERSION; st--) {
    if (!strcmp(s, cfm_asic_status_name(st))) {
      *out = st;
      return 1;
    }
  }
  return 0;
}

static int parse_bool(const char *s, uint32_t *out) {
  if (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "yes")) { *out = 1; return 1; }
  if (!strcmp(s, "0") || !strcmp(s, "false") || !strcmp(s, "no")) { *out = 0; return 1; }
  return 0;
}

/* Interval set: "0x1e" (bitmask) or a list of codes and ranges "1-4", "1,2,3,4", "" = none. */
static int parse_intervals(const char *s, uint32_t *mask) {
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    uint32_t v;
    if (!parse_u32(s, 0xfe, &v) || (v & 1)) return 0;
    *mask = v;
    return 1;
  }
  uint32_t m = 0;
  const char *p = s;
  while (*p) {
    if (*p < '1' || *p > '7') return 0;
    uint32_t lo = (uint32_t)(*p++ - '0'), hi = lo;
    if (*p == '-') {
      p++;
      if (*p < '1' || *p > '7') return 0;
      hi = (uint32_t)(*p++ - '0');
      if (hi < lo) return 0;
    }
    for (uint32_t c = lo; c <= hi; c++) m |= 1u << c;
    if (*p == ',') p++;
    else if (*p) return 0;
  }
  *mask = m;
  return 1;
}

static int set_flag(uint32_t *flags, uint32_t bit, const char *v) {
  uint32_t b;
  if (!parse_bool(v, &b)) return 0;
  if (b) *flags |= bit;
  else *flags &= ~bit;
  return 1;
}

/* A text argument into a fixed buffer, NUL included: refused when it does not fit, or when it is
 * empty and must not be. */
static int set_text(char *dst, size_t size, const char *v, int may_be_empty) {
  if ((!may_be_empty && !*v) || strlen(v) >= size) return 0;
  snprintf(dst, size, "%s", v);
  return 1;
}

static int apply(mock_args_t *m, const char *k, const char *v) {
  if (!strcmp(k, "ports")) return parse_u32(v, 4096, &m->ports) && m->ports > 0;
  if (!strcmp(k, "port_voes")) return parse_u32(v, 1u << 20, &m->port_voes);
  if (!strcmp(k, "service_voes")) return parse_u32(v, 1u << 20, &m->service_voes);
  if (!strcmp(k, "tx_intervals")) return parse_intervals(v, &m->tx_mask);
  if (!strcmp(k, "rx_intervals")) return parse_intervals(v, &m->rx_mask);
  if (!strcmp(k, "peers")) return parse_u32(v, CFM_ASIC_MAX_PEERS, &m->peers_per_voe) && m->peers_per_voe > 0;
  if (!strcmp(k, "up_mep")) return set_flag(&m->flags, CFM_CAP_UP_MEP, v);
  if (!strcmp(k, "vlan_mep")) return set_flag(&m->flags, CFM_CAP_VLAN_MEP, v);
  if (!strcmp(k, "lb_offload")) return set_flag(&m->flags, CFM_CAP_LB_OFFLOAD, v);
  if (!strcmp(k, "lt_offload")) return set_flag(&m->flags, CFM_CAP_LT_OFFLOAD, v);
  if (!strcmp(k, "frame_io")) return set_flag(&m->flags, CFM_CAP_FRAME_IO, v);
  if (!strcmp(k, "pm_dm")) return set_flag(&m->flags, CFM_CAP_PM_DM, v);
  if (!strcmp(k, "pm_lm")) return set_flag(&m->flags, CFM_CAP_PM_LM, v);
  if (!strcmp(k, "tx_mode")) {
    if (!strcmp(v, "hardware")) m->tx_mode = CFM_TX_MODE_HARDWARE;
    else if (!strcmp(v, "injected")) m->tx_mode = CFM_TX_MODE_INJECTED;
    else if (!strcmp(v, "none")) m->tx_mode = CFM_TX_MODE_NONE;
    else return 0;
    return 1;
  }
  if (!strcmp(k, "budget_fps")) return parse_u32(v, 100000000, &m->budget_fps);
  if (!strcmp(k, "inject")) return parse_u32(v, 4096, &m->inject_max);
  if (!strcmp(k, "inject_fps")) return parse_u32(v, 100000000, &m->inject_fps);
  if (!strcmp(k, "inject_seq")) return parse_bool(v, &m->inject_seq);
  if (!strcmp(k, "policers")) return parse_u32(v, 4096, &m->policers);
  if (!strcmp(k, "punt_queue")) return parse_u32(v, 1u << 20, &m->punt_len) && m->punt_len > 0;
  if (!strcmp(k, "event_queue")) return parse_u32(v, 1u << 20, &m->event_len) && m->event_len > 0;
  if (!strcmp(k, "wire_queue")) return parse_u32(v, 1u << 22, &m->wire_len) && m->wire_len > 0;
  if (!strcmp(k, "latency_us")) return parse_u64_us(v, &m->latency_ns);
  if (!strcmp(k, "jitter_us")) return parse_u64_us(v, &m->jitter_ns);
  if (!strcmp(k, "frame_latency_us")) return parse_u64_us(v, &m->frame_latency_ns);
  if (!strcmp(k, "interrupt")) return parse_bool(v, &m->interrupt);
  if (!strcmp(k, "fail_ppm")) return parse_u32(v, 1000000u, &m->fail_ppm);
  if (!strcmp(k, "fail_status")) return parse_status(v, &m->fail_random_status);
  if (!strcmp(k, "seed")) {
    uint32_t sd;
    if (!parse_u32(v, 0xffffffffu, &sd)) return 0;
    m->seed = sd;
    return 1;
  }
  /* device time at open, s (a device clock with another origin than the host's); a loaded state
   * continues its own time instead */
  if (!strcmp(k, "time0_s")) return parse_u32(v, 100u * 365u * 86400u, &m->time0_s);
  if (!strcmp(k, "clock")) {
    if (!strcmp(v, "virtual")) m->realtime = 0;
    else if (!strcmp(v, "real")) m->realtime = 1;
    else return 0;
    return 1;
  }
  if (!strcmp(k, "desc")) return set_text(m->description, sizeof m->description, v, 1);
  if (!strcmp(k, "instance")) return set_text(m->instance, sizeof m->instance, v, 0);
  if (!strcmp(k, "state")) return set_text(m->state_path, sizeof m->state_path, v, 0);
  return 0;
}

cfm_status_t mock_args_parse(const char *text, mock_args_t *out) {
  defaults(out);
  if (!text) return CFM_OK;
  char buf[2048];
  if (strlen(text) >= sizeof buf) return CFM_EINVAL;
  snprintf(buf, sizeof buf, "%s", text);
  char *save = NULL;
  for (char *item = strtok_r(buf, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
    while (*item == ' ') item++;
    if (!*item) continue;
    char *eq = strchr(item, '=');
    if (!eq) return CFM_EINVAL;
    *eq = 0;
    if (!apply(out, item, eq + 1)) return CFM_EINVAL;
  }
  if (out->port_voes + out->service_voes == 0) return CFM_EINVAL;
  if (out->tx_mode == CFM_TX_MODE_NONE) out->tx_mask = 0;
  return CFM_OK;
}
