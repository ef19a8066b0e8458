/*
 * Receive pipeline and relay of the mock switch.
 *
 *   wire rx (port P) -> parse (Ethernet, up to two VLAN tags, CFM header)
 *     -> down-MP demultiplexer on (P, vlan)   (802.1Q 19.2, 22.3 MP level/type demultiplexing)
 *          level == a VOE's level  -> that VOE: CCM checked in hardware (rx on) or punted;
 *                                     other opcodes (LBM, LTM, ...) punted (LBM answered when
 *                                     LB offload is on and it is addressed to the VOE)
 *          level below a VOE level -> dropped and counted (a CCM raises dUNL at that VOE)
 *          above every level / no VOE -> relay (CFM_PORT_PUNT_ALL -> punted instead)
 *     -> relay: learn SA, flood (or send to the learned port) to the other ports of the VLAN,
 *        where the up-MP demultiplexer of each egress port applies the same level rules.
 */
#include <string.h>

#include "mock_internal.h"

enum { MP_PASS = 0, MP_TAKEN = 1 };


int mock_parse(const uint8_t *frame, uint32_t len, frame_view_t *fv) {
  memset(fv, 0, sizeof *fv);
  if (!frame || len < 14) return 0;
  fv->frame = frame;
  fv->len = len;
  fv->da = frame;
  fv->sa = frame + 6;
  uint32_t off = 12;
  uint32_t et = mock_get16(frame + off);
  for (int tags = 0; tags < 2 && (et == 0x8100 || et == 0x88a8 || et == 0x9100); tags++) {
    if (off + 6 > len) return 0;
    uint32_t tci = mock_get16(frame + off + 2);
    if (!fv->tagged) {
      fv->tagged = 1;
      fv->vlan = tci & 0x0fff;
      fv->pcp = tci >> 13;
    }
    off += 4;
    et = mock_get16(frame + off);
  }
  fv->ethertype = et;
  off += 2;
  if (et == 0x8902 && off + 4 <= len) {
    fv->pdu = frame + off;
    fv->pdu_len = len - off;
    fv->level = fv->pdu[0] >> 5;
    fv->opcode = fv->pdu[1];
  }
  return 1;
}

static void fdb_learn(asic_t *a, const frame_view_t *fv, uint32_t port) {
  if (fv->sa[0] & 1) return;
  fdb_entry_t *free_slot = NULL, *oldest = &a->fdb[0];
  for (uint32_t i = 0; i < MOCK_FDB_SIZE; i++) {
    fdb_entry_t *e = &a->fdb[i];
    if (e->used && e->vlan == fv->vlan && !memcmp(e->mac, fv->sa, 6)) {
      e->port = port;
      return;
    }
    if (!e->used && !free_slot) free_slot = e;
  }
  fdb_entry_t *e = free_slot ? free_slot : oldest;
  memcpy(e->mac, fv->sa, 6);
  e->vlan = (uint16_t)fv->vlan;
  e->port = port;
  e->used = 1;
}

static int fdb_lookup(const asic_t *a, const frame_view_t *fv, uint32_t *port) {
  if (fv->da[0] & 1) return 0;
  for (uint32_t i = 0; i < MOCK_FDB_SIZE; i++) {
    const fdb_entry_t *e = &a->fdb[i];
    if (e->used && e->vlan == fv->vlan && !memcmp(e->mac, fv->da, 6)) {
      *port = e->port;
      return 1;
    }
  }
  return 0;
}

/* LBM addressed to the VOE answered in hardware: LBR = same PDU, opcode 2, MACs swapped. */
static void lb_reply(asic_t *a, voe_t *v, const frame_view_t *fv) {
  uint8_t out[CFM_ASIC_MAX_FRAME];
  if (fv->len > sizeof out) return;
  memcpy(out, fv->frame, fv->len);
  memcpy(out, fv->sa, 6);
  memcpy(out + 6, v->conf.unicast_mac, 6);
  out[(uint32_t)(fv->pdu - fv->frame) + 1] = 2;
  if (v->conf.direction == CFM_DIR_DOWN) {
    mock_wire_emit(a, v->conf.port, out, fv->len);
  } else {
    frame_view_t rv;
    if (mock_parse(out, fv->len, &rv)) mock_relay(a, v->conf.port, &rv);
  }
}

static void at_voe(asic_t *a, voe_t *v, uint32_t port, const frame_view_t *fv) {
  if (fv->opcode == 1) {
    if (v->cc_set && v->cc.rx_enable) mock_ccm_rx(a, v, fv);
    else mock_punt(a, port, v, CFM_PUNT_CCM, fv);
    return;
  }
  if (fv->opcode == 3 && (a->args.flags & CFM_CAP_LB_OFFLOAD) && !memcmp(fv->da, v->conf.unicast_mac, 6)) {
    lb_reply(a, v, fv);
    return;
  }
  mock_punt(a, port, v, CFM_PUNT_VOE, fv);
}

/* MP level demultiplexer of one port/vlan/direction: MP_TAKEN when the frame stops here. */
static int mp_demux(asic_t *a, uint32_t port, uint32_t dir, const frame_view_t *fv) {
  /* one lookup of the (port, direction, vlan) stack, then its levels (mock_index.c) */
  const mock_stack_t *st = mock_stack_find(a, port, dir, fv->vlan);
  if (!st) return MP_PASS;
  voe_t *exact = (st->mask & (1u << fv->level)) ? &a->voes[st->idx[fv->level]] : NULL;
  uint32_t above = st->mask & ~((2u << fv->level) - 1); /* levels > the frame's */
  voe_t *lowest_above = above ? &a->voes[st->idx[__builtin_ctz(above)]] : NULL;
  if (exact) {
    at_voe(a, exact, port, fv);
    return MP_TAKEN;
  }
  if (lowest_above) {
    /* A MEP stops CFM frames of lower levels (802.1Q 19.2.7); a valid CCM is a dUNL defect (an
     * invalid one is discarded first, 802.1Q 20.51, and is no cross-connect: src/engine). */
    a->counters.dropped_low_level++;
    if (fv->opcode == 1 && lowest_above->cc_set && lowest_above->cc.rx_enable && mock_ccm_valid(fv))
      mock_unexpected(a, lowest_above, CFM_STICKY_UNEXP_LEVEL);
    return MP_TAKEN;
  }
  return MP_PASS;
}

void mock_relay(asic_t *a, uint32_t ingress, const frame_view_t *fv) {
  fdb_learn(a, fv, ingress);
  a->counters.forwarded++;
  uint32_t only = 0;
  int unicast = fdb_lookup(a, fv, &only);
  for (uint32_t e = 0; e < a->args.ports; e++) {
    if (e == ingress || (unicast && e != only)) continue;
    if (fv->pdu && mp_demux(a, e, CFM_DIR_UP, fv) == MP_TAKEN) continue;
    mock_wire_emit(a, e, fv->frame, fv->len);
  }
}

void mock_wire_rx(asic_t *a, uint32_t port, const uint8_t *frame, uint32_t len) {
  frame_view_t fv;
  a->counters.rx_frames++;
  if (!mock_parse(frame, len, &fv)) return;
  if (fv.pdu) {
    if (mp_demux(a, port, CFM_DIR_DOWN, &fv) == MP_TAKEN) return;
    /* Frames above every VOE level of the port go to the CPU too: software MPs at higher levels
     * (a customer MEP over an operator VOE, MIPs) sit there, and the CPU relays what they leave. */
    if (a->port_flags[port] & CFM_PORT_PUNT_ALL) {
      fdb_learn(a, &fv, port);
      mock_punt(a, port, NULL, CFM_PUNT_PORT, &fv);
      return;
    }
  }
  mock_relay(a, port, &fv);
}

cfm_status_t cfm_mock_port_rx(cfm_asic_t *h, uint32_t port, const uint8_t *frame, uint32_t len) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_ext(h, &a);
  if (s != CFM_OK) return s;
  if (port >= a->args.ports || !frame || len < 14 || len > CFM_ASIC_MAX_FRAME) return CFM_EINVAL;
  if (a->drop_frames > 0) {
    a->drop_frames--;
    return CFM_OK;
  }
  mock_wire_rx(a, port, frame, len);
  return CFM_OK;
}
