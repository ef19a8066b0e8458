/*
 * Hardware CCM checking at a VOE (802.1Q 20.16 MEP CCR, 20.20 Remote MEP, G.8021 defects).
 * A received CCM at the VOE's level is checked in the order of G.8021 6.1.4.1:
 *   MAID != expected              -> dMMG (unexpected MEG id), invalid
 *   MEP id not an expected peer   -> dUNM (unexpected MEP id), invalid (also our own MEP id)
 *   interval != expected          -> dUNP (unexpected period), invalid
 *   priority != expected (tagged) -> dUNPr (unexpected priority), still valid
 * A valid CCM refreshes the peer's rMEPwhile (3.5 x interval), clears LOC, records RDI, the
 * status TLVs and the sequence number. Unexpected-X defects clear 3.5 intervals after the
 * last offending CCM (G.8021 "3.5 x period" clearing).
 *
 * Before any of that, the CCM must be a valid CFM PDU: mock_ccm_valid() is the receive-validity
 * rule of docs/mock-asic.md ("CCM receive validity"), the same rule as the software path
 * (src/pdu/fast.ts decodeCcmFast 'receive', src/engine/ccm.ts invalidCcm but for the structure
 * of TLVs other than Port / Interface Status, which the engine does not check). An invalid CCM
 * is discarded (802.1Q 20.46.4: a PDU that fails validation is not processed further), counted
 * in ccm_rx_invalid, and raises no defect: it says nothing reliable about its sender.
 */
#include <string.h>

#include "mock_internal.h"
#include "mock_pm.h"

static const uint32_t sticky_event[MOCK_UNEXP_KINDS] = {
    CFM_EVENT_UNEXP_MEP_ID, CFM_EVENT_UNEXP_MEG_ID, CFM_EVENT_UNEXP_LEVEL, CFM_EVENT_UNEXP_PERIOD,
    CFM_EVENT_UNEXP_PRIO};

static uint32_t sticky_index(uint32_t bit) {
  uint32_t i = 0;
  while (i < MOCK_UNEXP_KINDS && (1u << i) != bit) i++;
  return i;
}

void mock_unexpected(asic_t *a, voe_t *v, uint32_t bit) {
  uint32_t k = sticky_index(bit);
  if (k >= MOCK_UNEXP_KINDS) return;
  v->sticky |= bit;
  if (v->unexp_until_ns[k] == 0) mock_event(a, mock_voe_id(a, v), sticky_event[k], 0, 1, 0);
  v->unexp_until_ns[k] = a->now_ns + mock_loc_ns(v->cc.interval);
  mock_dl_update(a, v);
}


/* MAC status defect per 802.1Q 20.20: port status not psUp or interface status not isUp. */
static uint32_t port_tlv_bad(uint32_t v) { return v != 0 && v != 2; }
static uint32_t if_tlv_bad(uint32_t v) { return v != 0 && v != 1; }

static void parse_tlvs(const frame_view_t *fv, uint32_t *port_tlv, uint32_t *if_tlv) {
  uint32_t off = 4 + fv->pdu[3];
  *port_tlv = 0;
  *if_tlv = 0;
  while (off < fv->pdu_len) {
    uint32_t type = fv->pdu[off];
    if (type == 0 || off + 3 > fv->pdu_len) break;
    uint32_t len = mock_get16(fv->pdu + off + 1);
    if (off + 3 + len > fv->pdu_len) break;
    if (type == 2 && len == 1) *port_tlv = fv->pdu[off + 3];
    if (type == 4 && len == 1) *if_tlv = fv->pdu[off + 3];
    off += 3 + len;
  }
}

/* ---- receive validity (docs/mock-asic.md "CCM receive validity"; src/engine/ccm.ts, src/pdu/fast.ts) ---- */

static int mac_zero(const uint8_t *m) { return (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0; }

/* One known TLV's structure (802.1Q 21.5, Y.1731 9.x), as src/pdu/tlv.ts decodeTlv (strict). */
static int tlv_valid(uint32_t type, const uint8_t *v, uint32_t len) {
  const uint8_t *end = v + len;
  switch (type) {
  case 1: { /* Sender ID 21.5.3 */
    if (len < 1) return 0;
    const uint8_t *p = v;
    uint32_t chassis = *p++;
    if (chassis > 0) {
      if (p + 1 + chassis > end) return 0;
      p += 1 + chassis;
    }
    if (p < end) {
      uint32_t dom = *p++;
      if (p + dom > end) return 0;
      p += dom;
      if (dom > 0) {
        if (p >= end) return 0;
        uint32_t addr = *p++;
        if (p + addr > end) return 0;
        p += addr;
      }
    }
    return p == end;
  }
  case 2: case 4: return len == 1; /* Port / Interface Status 21.5.4, 21.5.5 */
  case 5: case 6: { /* Reply Ingress / Egress 21.9.8, 21.9.9 */
    if (len < 7) return 0;
    const uint8_t *p = v + 7;
    if (p < end) {
      uint32_t id = *p++;
      if (id > 0) {
        if (p + 1 + id > end) return 0;
        p++;
      }
      p += id;
    }
    return p == end;
  }
  case 7: return len == 8;
  case 8: return len == 16;
  case 31: return len >= 4;
  case 32: { /* Test TLV, Y.1731 9.3: pattern type 0..3; with CRC-32 (1, 3) at least 5 octets */
    if (len < 1 || v[0] > 3) return 0;
    return !((v[0] == 1 || v[0] == 3) && len < 5);
  }
  case 33: case 34: return len == 25;
  case 35: return len == 54;
  case 36: return len == 4;
  default: return 1; /* Data (3) and unknown TLVs: any content */
  }
}

/*
 * 1 when the frame is a valid CCM. 802.1Q 20.46.4 (CFM PDU validation) and 21.6 (CCM format):
 * DA and SA non-zero, SA individual; a CFM group DA carries the PDU's level, class 1; at most two
 * tags (0x8100 / 0x88a8) before EtherType 0x8902; first TLV offset >= 70 and inside the PDU;
 * every TLV inside the PDU and an End TLV; interval != 0; MEPID 1..8191 with its 3 reserved bits
 * clear (not masked); each known TLV well formed (Port/Interface Status exactly 1 octet).
 * Not checked, as the software MEP (src/engine/ccm.ts invalidCcm, src/pdu/fast.ts 'receive'):
 * reserved octets and flag bits, ignored on receipt (21.6; Y.1731 9.2, the 4 octets after TxFCb),
 * and the MAID's inner structure: ccm_check() compares its 48 octets whole, so a non-zero padding
 * or a name length past the end is another MA's MAID (dMMG), not a dropped frame. Before, such a
 * CCM was valid in software and invalid in hardware placement.
 */
int mock_ccm_valid(const frame_view_t *fv) {
  const uint8_t *b = fv->frame;
  uint32_t len = fv->len;
  if (len < 14 || mac_zero(b) || mac_zero(b + 6) || (b[6] & 1)) return 0;
  uint32_t p = 12, tags = 0, et = mock_get16(b + 12);
  while (et == 0x8100 || et == 0x88a8) {
    if (tags == 2 || p + 6 > len) return 0;
    p += 4;
    tags++;
    et = mock_get16(b + p);
  }
  if (et != 0x8902) return 0; /* e.g. a 0x9100 tag: not a CFM frame for the software path either */
  uint32_t off = p + 2;
  if (len < off + 4 || b[off + 1] != 1) return 0;
  uint32_t level = b[off] >> 5;
  if (b[0] == 0x01 && b[1] == 0x80 && b[2] == 0xc2 && b[3] == 0 && b[4] == 0 && (b[5] & 0xf0) == 0x30 &&
      ((b[5] & 7) != level || (b[5] & 8)))
    return 0;
  uint32_t o = off + 4, body = len - o, fto = b[off + 3];
  if (fto > body || body < 70 || fto < 70) return 0;
  if ((b[off + 2] & 7) == 0) return 0;
  uint32_t mep = mock_get16(b + o + 4);
  if ((mep & 0xe000) || mep == 0) return 0;
  for (uint32_t t = o + fto;;) {
    if (t >= len) return 0; /* no End TLV */
    if (b[t] == 0) return 1;
    if (t + 3 > len) return 0;
    uint32_t tl = mock_get16(b + t + 1);
    if (t + 3 + tl > len || !tlv_valid(b[t], b + t + 3, tl)) return 0;
    t += 3 + tl;
  }
}

static void ccm_check(asic_t *a, voe_t *v, const frame_view_t *fv);

/* A CCM at the VOE's level; the VOE's timers (rMEPwhile, defect expiries) may have moved. */
void mock_ccm_rx(asic_t *a, voe_t *v, const frame_view_t *fv) {
  ccm_check(a, v, fv);
  mock_dl_update(a, v);
}

static void ccm_check(asic_t *a, voe_t *v, const frame_view_t *fv) {
  uint32_t id = mock_voe_id(a, v);
  if (!mock_ccm_valid(fv)) {
    v->rx_invalid++;
    return;
  }
  const uint8_t *pdu = fv->pdu;
  uint32_t mep = mock_get16(pdu + 8); /* reserved bits are clear: mock_ccm_valid() */
  uint32_t interval = pdu[2] & 0x07;
  if (memcmp(pdu + 10, v->cc.maid, CFM_ASIC_MAID_LEN) != 0) {
    v->rx_invalid++;
    mock_unexpected(a, v, CFM_STICKY_UNEXP_MEG_ID);
    return;
  }
  uint32_t idx = CFM_ASIC_MAX_PEERS;
  for (uint32_t i = 0; i < v->cc.peer_count; i++)
    if (v->cc.peers[i] == mep) idx = i;
  if (idx == CFM_ASIC_MAX_PEERS || mep == v->cc.mep_id) {
    v->rx_invalid++;
    mock_unexpected(a, v, CFM_STICKY_UNEXP_MEP_ID);
    return;
  }
  if (interval != v->cc.interval) {
    v->rx_invalid++;
    mock_unexpected(a, v, CFM_STICKY_UNEXP_PERIOD);
    return;
  }
  if (fv->tagged && fv->pcp != v->cc.priority) mock_unexpected(a, v, CFM_STICKY_UNEXP_PRIO);

  peer_state_t *p = &v->peers[idx];
  uint32_t seq = mock_get32(pdu + 4);
  v->rx_valid++;
  mock_pm_ccm_rx(a, v, fv);
  /* 802.1Q 20.16.12: a sequence number that is not last + 1 counts as out of order
   * (0 = the sender does not number its CCMs, Y.1731 7.1.1). */
  if (p->seen && seq != 0 && seq != p->last_seq + 1) v->rx_oo++;
  p->last_seq = seq;
  p->seen = 1;
  memcpy(p->mac, fv->sa, 6);
  if (p->loc) {
    p->loc = 0;
    mock_event(a, id, CFM_EVENT_LOC, mep, 0, 0);
  }
  p->loc_deadline_ns = a->now_ns + mock_loc_ns(v->cc.interval);
  uint32_t rdi = (pdu[2] & 0x80) ? 1 : 0;
  if (rdi != p->rdi) {
    p->rdi = rdi;
    mock_event(a, id, CFM_EVENT_RDI, mep, rdi, 0);
  }
  uint32_t port_tlv, if_tlv;
  parse_tlvs(fv, &port_tlv, &if_tlv);
  /* An event per change of a received status TLV, except the first "up" (nothing to report). */
  if (port_tlv != p->port_tlv) {
    if (p->port_tlv != 0 || port_tlv_bad(port_tlv))
      mock_event(a, id, CFM_EVENT_PORT_STATUS, mep, port_tlv_bad(port_tlv), port_tlv);
    p->port_tlv = port_tlv;
  }
  if (if_tlv != p->if_tlv) {
    if (p->if_tlv != 0 || if_tlv_bad(if_tlv)) mock_event(a, id, CFM_EVENT_IF_STATUS, mep, if_tlv_bad(if_tlv), if_tlv);
    p->if_tlv = if_tlv;
  }
}

/* LOC after 3.5 intervals without a valid CCM; unexpected-X defects expire. */
void mock_rx_timers_due(asic_t *a, voe_t *v) {
  uint32_t id = mock_voe_id(a, v);
  for (uint32_t i = 0; i < v->cc.peer_count; i++) {
    peer_state_t *p = &v->peers[i];
    if (p->loc_deadline_ns != 0 && p->loc_deadline_ns <= a->now_ns) {
      p->loc_deadline_ns = 0; /* the timer stops until the next valid CCM */
      p->loc = 1;
      mock_event(a, id, CFM_EVENT_LOC, v->cc.peers[i], 1, 0);
    }
  }
  for (uint32_t k = 0; k < MOCK_UNEXP_KINDS; k++) {
    if (v->unexp_until_ns[k] != 0 && v->unexp_until_ns[k] <= a->now_ns) {
      v->unexp_until_ns[k] = 0;
      mock_event(a, id, sticky_event[k], 0, 0, 0);
    }
  }
}
