/*
 * Port state of the mock switch in the CCMs its VOEs send (issue 12; 802.1Q 20.9.2-20.9.3,
 * 21.5.4-21.5.5): a VOE configured with a Port Status TLV sends psBlocked while its port does not
 * forward and psUp otherwise; one with an Interface Status TLV sends its port's oper state. The
 * configuration (cfm_voe_cc_get) keeps the configured values: the hardware fills the TLVs from the
 * port, as VOEs with port/interface state TX do. A port never set reports nothing different.
 */
#include <stdlib.h>

#include "cfm_mock.h"
#include "mock_internal.h"

#define PS_BLOCKED 1u
#define PS_UP 2u
#define ST_SET 0x80u      /* the port's state was set */
#define ST_BLOCKED 0x40u  /* not forwarding */
#define ST_IF_MASK 0x0fu  /* Interface Status value 1..7 */

cfm_status_t cfm_mock_port_set_state(cfm_asic_t *h, uint32_t port, uint32_t forwarding, uint32_t if_status) {
  MOCK_HELD asic_t *a = NULL;
  cfm_status_t s = mock_enter_ext(h, &a);
  if (s != CFM_OK) return s;
  if (port >= a->args.ports || if_status < 1 || if_status > 7) return CFM_EINVAL;
  if (!a->port_state) {
    a->port_state = calloc(a->args.ports, 1);
    if (!a->port_state) return CFM_ENOMEM;
  }
  a->port_state[port] = (uint8_t)(ST_SET | (forwarding ? 0 : ST_BLOCKED) | if_status);
  return CFM_OK;
}

/* Rewrite the status TLV values of a CCM just built by mock_ccm_build (layout fixed there: the
 * TLVs follow the 75-octet PDU part, Port Status first). */
void mock_port_state_apply(const asic_t *a, const voe_t *v, uint8_t *frame, uint32_t len) {
  if (!a->port_state || v->conf.port >= a->args.ports) return;
  uint8_t st = a->port_state[v->conf.port];
  if (!(st & ST_SET)) return;
  uint32_t p = 12 + (v->conf.vlan != 0 ? 4 : 0) + 2 + 74;
  if (v->cc.port_status_tlv) {
    if (p + 4 > len) return;
    frame[p + 3] = (uint8_t)((st & ST_BLOCKED) ? PS_BLOCKED : PS_UP);
    p += 4;
  }
  if (v->cc.if_status_tlv) {
    if (p + 4 > len) return;
    frame[p + 3] = (uint8_t)(st & ST_IF_MASK);
  }
}
