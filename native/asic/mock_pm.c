/*
 * The optional "pm" group of the vendor C ABI (cfm_asic.h): in-hardware timestamps of DMM / DMR /
 * 1DM (Y.1731 8.2, 9.14-9.16) and frame counters for loss measurement (Y.1731 8.1, LMM / LMR 9.12-
 * 9.13 and CCM-LM 9.2), exact in the device's (virtual) time. The per-VOE state lives beside the
 * VOE table (allocated on the first cfm_voe_pm_set) so the VOE layout and the state file keep
 * their format; it is not persisted (the caller sets the functions again after a restart, as it
 * does for port flags).
 */
#include <stdlib.h>
#include <string.h>

#include "mock_internal.h"
#include "mock_pm.h"

/* Y.1731 opcodes */
#define OP_CCM 1u
#define OP_LMR 42u
#define OP_LMM 43u
#define OP_1DM 45u
#define OP_DMR 46u
#define OP_DMM 47u

/* IEEE 1588 timestamp of device time (Y.1731 8.2: TimeRepresentation format). */
static void put_ts(uint8_t *p, uint64_t ns) {
  mock_put32(p, (uint32_t)(ns / 1000000000u));
  mock_put32(p + 4, (uint32_t)(ns % 1000000000u));
}

/* Offset just after the End TLV of a PDU of n bytes (Y.1731 9.1: TLVs from 4 + first TLV offset), 0
 * when there is none. */
static uint32_t after_end_tlv(const uint8_t *pdu, uint32_t n) {
  uint32_t i = 4u + pdu[3];
  while (i < n) {
    if (pdu[i] == 0) return i + 1;
    if (i + 3 > n) return 0;
    i += 3u + (((uint32_t)pdu[i + 1] << 8) | pdu[i + 2]);
  }
  return 0;
}

/* The device's timestamp in a DM PDU it sends (rx 0) or receives (rx 1), Y.1731 9.14-9.16 (offsets
 * from the CFM header): TxTimeStampf at 4 and RxTimeStampf at 12 in DMM / 1DM, TxTimeStampb at 20
 * and RxTimeStampb at 28 in DMR: a receive stamp is the 8 octets after the transmit stamp of the
 * same direction. A PDU too short for the field is left as it is. */
static void stamp_dm(uint8_t *pdu, uint32_t n, uint32_t opcode, int rx, uint64_t now_ns) {
  uint32_t at;
  if (opcode == OP_DMM || opcode == OP_1DM) at = 4;
  else if (opcode == OP_DMR) at = 20;
  else return;
  if (rx) at += 8;
  if (n >= at + 8) put_ts(pdu + at, now_ns);
}

static mock_pm_t *pm_of(asic_t *a, const voe_t *v) {
  if (!a->pm) return NULL;
  mock_pm_t *p = &a->pm[mock_voe_id(a, v) - 1];
  return p->flags ? p : NULL;
}

void mock_pm_clear(asic_t *a, uint32_t idx) {
  if (a->pm) memset(&a->pm[idx], 0, sizeof a->pm[idx]);
}

void mock_pm_free(asic_t *a) {
  free(a->pm);
  a->pm = NULL;
}

/* The VOE a CPU frame passes on its way out: the MP stack of (port, direction, vlan) at the
 * frame's level (down VOE for CFM_TX_TO_WIRE, up VOE for CFM_TX_TO_RELAY). */
static voe_t *tx_voe(asic_t *a, uint32_t port, uint32_t towards, const frame_view_t *fv) {
  uint32_t dir = towards == CFM_TX_TO_WIRE ? CFM_DIR_DOWN : CFM_DIR_UP;
  const mock_stack_t *st = mock_stack_find(a, port, dir, fv->vlan);
  if (!st || !(st->mask & (1u << fv->level))) return NULL;
  return &a->voes[st->idx[fv->level]];
}

const uint8_t *mock_pm_tx(asic_t *a, uint32_t port, uint32_t towards, const uint8_t *frame, uint32_t len,
                          uint8_t *buf) {
  if (!a->pm) return frame;
  frame_view_t fv;
  if (!mock_parse(frame, len, &fv) || !fv.pdu) return frame;
  voe_t *v = tx_voe(a, port, towards, &fv);
  mock_pm_t *p = v ? pm_of(a, v) : NULL;
  if (!p) return frame;
  memcpy(buf, frame, len);
  uint8_t *pdu = buf + (fv.pdu - frame);
  uint32_t n = fv.pdu_len;
  if (p->flags & CFM_PM_LM) p->tx_fcl++;
  if (p->flags & CFM_PM_DM) stamp_dm(pdu, n, fv.opcode, 0, a->now_ns);
  if ((p->flags & CFM_PM_LM) && fv.opcode == OP_LMM && n >= 8) mock_put32(pdu + 4, (uint32_t)p->tx_fcl);
  if ((p->flags & CFM_PM_LM) && fv.opcode == OP_LMR && n >= 16) {
    /* the VOE answers for its own counters, whatever the CPU wrote (Y.1731 8.1.2 responder) */
    mock_put32(pdu + 8, (uint32_t)p->lmm_rx_fcl);
    mock_put32(pdu + 12, (uint32_t)p->tx_fcl);
  }
  return buf;
}

const uint8_t *mock_pm_rx(asic_t *a, voe_t *v, const frame_view_t *fv, uint8_t *buf, uint32_t *len) {
  mock_pm_t *p = v ? pm_of(a, v) : NULL;
  *len = fv->len;
  if (!p || !fv->pdu) return fv->frame;
  if (p->flags & CFM_PM_LM) p->rx_fcl++;
  memcpy(buf, fv->frame, fv->len);
  uint8_t *pdu = buf + (fv->pdu - fv->frame);
  uint32_t n = fv->pdu_len;
  if (p->flags & CFM_PM_DM) stamp_dm(pdu, n, fv->opcode, 1, a->now_ns);
  if ((p->flags & CFM_PM_LM) && fv->opcode == OP_LMM && n >= 12) {
    mock_put32(pdu + 8, (uint32_t)p->rx_fcl);
    p->lmm_rx_fcl = p->rx_fcl;
  }
  uint32_t end = (p->flags & CFM_PM_LM) && fv->opcode == OP_LMR ? after_end_tlv(pdu, n) : 0;
  if (end) {
    /* Y.1731 9.13 has no field for the initiator's RxFCl: the 4 bytes after the End TLV
     * (cfm_asic.h); the mock's frames are not padded, so the frame grows by what is missing */
    uint32_t at = (uint32_t)(pdu - buf) + end;
    mock_put32(buf + at, (uint32_t)p->rx_fcl);
    if (at + 4 > *len) *len = at + 4;
  }
  return buf;
}

void mock_pm_ccm_tx(asic_t *a, voe_t *v, uint8_t *frame, uint32_t len) {
  mock_pm_t *p = pm_of(a, v);
  if (!p || !(p->flags & CFM_PM_LM)) return;
  p->tx_fcl++;
  frame_view_t fv;
  if (!mock_parse(frame, len, &fv) || !fv.pdu || fv.pdu_len < 74) return;
  uint8_t *pdu = frame + (fv.pdu - frame);
  /* Y.1731 8.1.1: TxFCf = TxFCl now; RxFCb = RxFCl at the last CCM received from the peer;
   * TxFCb = the TxFCf of that CCM */
  mock_put32(pdu + 58, (uint32_t)p->tx_fcl);
  mock_put32(pdu + 62, p->c.ccm_seen ? p->c.ccm_rx_fcl : 0);
  mock_put32(pdu + 66, p->c.ccm_seen ? p->c.ccm_tx_fcf : 0);
}

void mock_pm_ccm_rx(asic_t *a, voe_t *v, const frame_view_t *fv) {
  mock_pm_t *p = pm_of(a, v);
  if (!p || !(p->flags & CFM_PM_LM) || fv->pdu_len < 74) return;
  p->rx_fcl++;
  p->c.ccm_seen = 1;
  p->c.ccm_tx_fcf = mock_get32(fv->pdu + 58);
  p->c.ccm_rx_fcb = mock_get32(fv->pdu + 62);
  p->c.ccm_tx_fcb = mock_get32(fv->pdu + 66);
  p->c.ccm_rx_fcl = (uint32_t)p->rx_fcl;
}

/* ---- the ABI calls ---- */

cfm_status_t cfm_voe_pm_set(cfm_asic_t *h, uint32_t id, uint32_t flags) {
  MOCK_HELD asic_t *a = NULL;
  voe_t *v;
  cfm_status_t s = mock_enter_voe(h, id, &a, &v);
  if (s != CFM_OK) return s;
  if (flags & ~(CFM_PM_DM | CFM_PM_LM)) return CFM_EINVAL;
  if (((flags & CFM_PM_DM) && !(a->args.flags & CFM_CAP_PM_DM)) || ((flags & CFM_PM_LM) && !(a->args.flags & CFM_CAP_PM_LM)))
    return CFM_ENOTSUP;
  if (!a->pm) {
    if (flags == 0) {
      a->generation++;
      return CFM_OK;
    }
    a->pm = calloc(a->nvoes, sizeof *a->pm);
    if (!a->pm) return CFM_ENOMEM;
  }
  mock_pm_t *p = &a->pm[id - 1];
  /* A function switched on starts its counters at 0 (Y.1731 counts from the session's start). */
  if ((flags & CFM_PM_LM) && !(p->flags & CFM_PM_LM)) {
    memset(&p->c, 0, sizeof p->c);
    p->tx_fcl = p->rx_fcl = 0;
  }
  p->flags = flags;
  a->generation++;
  return CFM_OK;
}

cfm_status_t cfm_voe_pm_get(cfm_asic_t *h, uint32_t id, uint32_t *flags) {
  MOCK_HELD asic_t *a = NULL;
  voe_t *v;
  cfm_status_t s = mock_enter_voe(h, id, &a, &v);
  if (s != CFM_OK) return s;
  if (!flags) return CFM_EINVAL;
  *flags = a->pm ? a->pm[id - 1].flags : 0;
  return CFM_OK;
}

cfm_status_t cfm_voe_lm_counters_get(cfm_asic_t *h, uint32_t id, cfm_lm_counters_t *c) {
  MOCK_HELD asic_t *a = NULL;
  voe_t *v;
  cfm_status_t s = mock_enter_voe(h, id, &a, &v);
  if (s != CFM_OK) return s;
  if (!c) return CFM_EINVAL;
  memset(c, 0, sizeof *c);
  if (a->pm) {
    const mock_pm_t *p = &a->pm[id - 1];
    *c = p->c;
    c->tx_fcl = p->tx_fcl;
    c->rx_fcl = p->rx_fcl;
  }
  return CFM_OK;
}
