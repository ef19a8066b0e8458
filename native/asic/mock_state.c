/*
 * Persistence like real hardware across a manager restart: with state=PATH the VOE table
 * (configs, keys, CC configs, sequence numbers, peer state), port flags, policers and the
 * virtual time are loaded from PATH at open (if it exists) and written back at the last close
 * and on cfm_mock_save. The file is a private binary image (magic + ABI version + sizes); a file
 * written for another table size or ABI version is refused with CFM_EVERSION.
 */
#include <stdio.h>
#include <string.h>

#include "mock_internal.h"

static const char MAGIC[8] = {'C', 'F', 'M', 'M', 'O', 'C', 'K', '1'};

typedef struct state_header {
  char magic[8];
  uint32_t abi_version;
  uint32_t voe_size;
  uint32_t nvoes;
  uint32_t ports;
  uint32_t policers;
  uint32_t reserved;
  uint64_t now_ns;
} state_header_t;

cfm_status_t mock_state_load(asic_t *a) {
  FILE *f = fopen(a->args.state_path, "rb");
  if (!f) return CFM_OK; /* first start: nothing stored yet */
  state_header_t hd;
  cfm_status_t s = CFM_OK;
  if (fread(&hd, sizeof hd, 1, f) != 1 || memcmp(hd.magic, MAGIC, sizeof MAGIC) != 0) {
    s = CFM_EIO;
  } else if (hd.abi_version != CFM_ASIC_ABI_VERSION || hd.voe_size != sizeof(voe_t) || hd.nvoes != a->nvoes ||
             hd.ports != a->args.ports || hd.policers != a->args.policers) {
    s = CFM_EVERSION;
  } else if (fread(a->voes, sizeof(voe_t), a->nvoes, f) != a->nvoes ||
             fread(a->port_flags, sizeof(uint32_t), a->args.ports, f) != a->args.ports ||
             (a->args.policers && fread(a->policers, sizeof(policer_t), a->args.policers, f) != a->args.policers)) {
    s = CFM_EIO;
  } else {
    a->now_ns = hd.now_ns; /* the caller (asic_new) rebuilds the indexes: mock_index_rebuild */
  }
  fclose(f);
  return s;
}

cfm_status_t mock_state_save(const asic_t *a) {
  char tmp[MOCK_PATH_LEN + 8];
  snprintf(tmp, sizeof tmp, "%s.tmp", a->args.state_path);
  FILE *f = fopen(tmp, "wb");
  if (!f) return CFM_EIO;
  state_header_t hd;
  memset(&hd, 0, sizeof hd);
  memcpy(hd.magic, MAGIC, sizeof MAGIC);
  hd.abi_version = CFM_ASIC_ABI_VERSION;
  hd.voe_size = sizeof(voe_t);
  hd.nvoes = a->nvoes;
  hd.ports = a->args.ports;
  hd.policers = a->args.policers;
  hd.now_ns = a->now_ns;
  int ok = fwrite(&hd, sizeof hd, 1, f) == 1 && fwrite(a->voes, sizeof(voe_t), a->nvoes, f) == a->nvoes &&
           fwrite(a->port_flags, sizeof(uint32_t), a->args.ports, f) == a->args.ports &&
           (a->args.policers == 0 || fwrite(a->policers, sizeof(policer_t), a->args.policers, f) == a->args.policers);
  if (fclose(f) != 0) ok = 0;
  if (!ok || rename(tmp, a->args.state_path) != 0) {
    remove(tmp);
    return CFM_EIO;
  }
  return CFM_OK;
}
