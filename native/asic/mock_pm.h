/* mock_pm.c: the optional "pm" group (cfm_asic.h) - DM timestamps and LM counters of a VOE. */
#ifndef CFM_MOCK_PM_H
#define CFM_MOCK_PM_H

#include "mock_internal.h"

typedef struct mock_pm {
  uint32_t flags;          /* CFM_PM_* */
  uint32_t reserved;
  uint64_t tx_fcl;
  uint64_t rx_fcl;
  uint64_t lmm_rx_fcl;     /* RxFCl when the last LMM arrived (the RxFCf of the LMR answering it) */
  cfm_lm_counters_t c;     /* the last valid CCM's sample (tx_fcl / rx_fcl unused here) */
} mock_pm_t;

void mock_pm_clear(asic_t *a, uint32_t idx);
void mock_pm_free(asic_t *a);
/* A CPU frame sent on `port`: the frame to emit (`frame`, or `buf` stamped; buf >= len bytes). */
const uint8_t *mock_pm_tx(asic_t *a, uint32_t port, uint32_t towards, const uint8_t *frame, uint32_t len,
                          uint8_t *buf);
/* A frame VOE `v` punts: the frame to queue and its length in *len (buf >= len + 4 bytes). */
const uint8_t *mock_pm_rx(asic_t *a, voe_t *v, const frame_view_t *fv, uint8_t *buf, uint32_t *len);
void mock_pm_ccm_tx(asic_t *a, voe_t *v, uint8_t *frame, uint32_t len);
void mock_pm_ccm_rx(asic_t *a, voe_t *v, const frame_view_t *fv);

#endif /* CFM_MOCK_PM_H */
