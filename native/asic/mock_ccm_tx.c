/*
 * Hardware CCM generation (802.1Q 20.10 CCI, 21.6 CCM format). One frame per interval per VOE
 * with tx enabled: DA 01-80-C2-00-00-3<level> (multicast class 1, 802.1Q Table 8-15), SA = the VOE's
 * unicast MAC, a VLAN tag with the CCM priority when vlan != 0, then the 75-byte CCM PDU, the
 * optional Port Status / Interface Status TLVs (21.5.4, 21.5.5) and the End TLV.
 */
#include <string.h>

#include "mock_internal.h"
#include "mock_pm.h"

uint32_t mock_ccm_build(const voe_t *v, uint8_t *buf, uint32_t buf_len) {
  if (buf_len < 18 + 75 + 8 + 1) return 0;
  uint8_t *p = buf;
  static const uint8_t da[5] = {0x01, 0x80, 0xc2, 0x00, 0x00};
  memcpy(p, da, 5);
  p[5] = (uint8_t)(0x30 | v->conf.level);
  memcpy(p + 6, v->conf.unicast_mac, 6);
  p += 12;
  if (v->conf.vlan != 0) {
    mock_put16(p, 0x8100);
    mock_put16(p + 2, (v->cc.priority << 13) | v->conf.vlan);
    p += 4;
  }
  mock_put16(p, 0x8902);
  p += 2;
  uint8_t *pdu = p;
  memset(pdu, 0, 75);
  pdu[0] = (uint8_t)(v->conf.level << 5); /* version 0 */
  pdu[1] = 1;                             /* opcode CCM */
  pdu[2] = (uint8_t)((v->cc.rdi ? 0x80 : 0) | v->cc.interval);
  pdu[3] = 70;                            /* first TLV offset */
  mock_put32(pdu + 4, v->cc.seq_update ? v->tx_seq : 0);
  mock_put16(pdu + 8, v->cc.mep_id);
  memcpy(pdu + 10, v->cc.maid, CFM_ASIC_MAID_LEN);
  /* pdu + 58: 16 bytes reserved for Y.1731 (TxFCf, RxFCb, TxFCb, reserved), zero */
  p = pdu + 74;
  if (v->cc.port_status_tlv) {
    p[0] = 2;
    mock_put16(p + 1, 1);
    p[3] = (uint8_t)v->cc.port_status_tlv;
    p += 4;
  }
  if (v->cc.if_status_tlv) {
    p[0] = 4;
    mock_put16(p + 1, 1);
    p[3] = (uint8_t)v->cc.if_status_tlv;
    p += 4;
  }
  *p++ = 0; /* End TLV */
  return (uint32_t)(p - buf);
}

/* Send every CCM due at the current time (one per elapsed interval). */
void mock_ccm_tx_due(asic_t *a, voe_t *v) {
  if (!v->cc.tx_enable || v->next_tx_ns == 0) return;
  uint64_t period = mock_interval_ns(v->cc.interval);
  while (v->next_tx_ns <= a->now_ns) {
    uint8_t frame[128];
    uint32_t len = mock_ccm_build(v, frame, sizeof frame);
    mock_port_state_apply(a, v, frame, len);
    mock_pm_ccm_tx(a, v, frame, len);
    v->ccm_tx++;
    if (v->cc.seq_update) v->tx_seq++;
    v->next_tx_ns += period;
    if (v->conf.direction == CFM_DIR_DOWN) {
      mock_wire_emit(a, v->conf.port, frame, len);
    } else {
      /* An up MEP sends into the relay: out of the other ports of its VLAN (802.1Q 19.2). */
      frame_view_t fv;
      if (mock_parse(frame, len, &fv)) mock_relay(a, v->conf.port, &fv);
    }
  }
}
