/*
 * cfm_mock.h - extensions only the mock ASIC has (tests, simulators, CI). Not part of the vendor
 * ABI: a vendor shim does not implement these. Calls here are never counted by fault injection.
 */
#ifndef CFM_MOCK_H
#define CFM_MOCK_H

#include "cfm_asic.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Virtual time: run everything due in the next ns nanoseconds (CCM tx, LOC, defect expiry).
 * CFM_ENOTSUP in real-time mode. */
CFM_ASIC_API cfm_status_t cfm_mock_advance(cfm_asic_t *h, uint64_t ns);
CFM_ASIC_API cfm_status_t cfm_mock_now(cfm_asic_t *h, uint64_t *now_ns);
/* Time of the next internal event; CFM_ENOENT when nothing is scheduled. */
CFM_ASIC_API cfm_status_t cfm_mock_next_deadline(cfm_asic_t *h, uint64_t *at_ns);
/* 1 = device time follows CLOCK_MONOTONIC (work is done on each call); 0 = virtual time. */
CFM_ASIC_API cfm_status_t cfm_mock_set_realtime(cfm_asic_t *h, uint32_t on);

/* A frame arriving on a port from the wire. */
CFM_ASIC_API cfm_status_t cfm_mock_port_rx(cfm_asic_t *h, uint32_t port, const uint8_t *frame, uint32_t len);
/* The oldest frame the ASIC put on the wire: CFM_EAGAIN when none, CFM_E2BIG when buf is short. */
CFM_ASIC_API cfm_status_t cfm_mock_port_tx_poll(cfm_asic_t *h, uint32_t *port, uint8_t *buf, uint32_t buf_len,
                                                uint32_t *len);

/* Fault injection: the k-th ABI call from now (k = 1: the next one) returns status instead of
 * running; k = 0 cancels. */
CFM_ASIC_API cfm_status_t cfm_mock_fail_call(cfm_asic_t *h, uint32_t k, cfm_status_t status);
/* Drop the next n frames arriving from the wire (cfm_mock_port_rx). */
CFM_ASIC_API cfm_status_t cfm_mock_drop_frames(cfm_asic_t *h, uint32_t n);
/* 1 = every cfm_voe_alloc fails with CFM_ENOSPC as if the table were full. */
CFM_ASIC_API cfm_status_t cfm_mock_table_full(cfm_asic_t *h, uint32_t on);

/* A board's speed: every vendor-ABI call from now takes latency_ns plus a uniform random
 * 0..jitter_ns (both <= 10 s), slept without holding the device. */
CFM_ASIC_API cfm_status_t cfm_mock_set_latency(cfm_asic_t *h, uint64_t latency_ns, uint64_t jitter_ns);
/* Vendor-ABI calls (with latency) that found their handle already in a call from another thread:
 * the caller broke "a handle is used by one thread at a time". */
CFM_ASIC_API cfm_status_t cfm_mock_handle_overlaps(cfm_asic_t *h, uint64_t *count);
/* Random failures: each vendor-ABI call fails with status (no side effect) at ppm per million
 * (0 = off); seed != 0 restarts the random sequence. */
CFM_ASIC_API cfm_status_t cfm_mock_fail_random(cfm_asic_t *h, uint32_t ppm, cfm_status_t status, uint64_t seed);

/* The state of a port as the VOEs on it report it in the CCMs they send (802.1Q 20.9.2-20.9.3):
 * forwarding 0 = STP blocked (Port Status TLV psBlocked 1, else psUp 2), if_status = the
 * Interface Status TLV value 1 isUp .. 7 isLowerLayerDown (21.5.5). Only VOEs configured to send
 * a TLV send it; the configuration read back keeps the configured values. Not persisted. */
CFM_ASIC_API cfm_status_t cfm_mock_port_set_state(cfm_asic_t *h, uint32_t port, uint32_t forwarding, uint32_t if_status);

/* The oldest frame on the wire with its info (info->time_ns = device time it left the port;
 * info->port, info->len): like cfm_mock_port_tx_poll. */
CFM_ASIC_API cfm_status_t cfm_mock_port_tx_poll_info(cfm_asic_t *h, cfm_frame_info_t *info, uint8_t *buf,
                                                     uint32_t buf_len);
/* The device stops an injection by itself (group "inject"), as a board whose injector failed:
 * running = 0, error = status, CFM_EVENT_INJECT_STOPPED queued. */
CFM_ASIC_API cfm_status_t cfm_mock_inject_fail(cfm_asic_t *h, uint32_t id, cfm_status_t status);

/* Write the state file now (open argument state=PATH); CFM_ENOENT without one. */
CFM_ASIC_API cfm_status_t cfm_mock_save(cfm_asic_t *h);

#ifdef __cplusplus
}
#endif
#endif /* CFM_MOCK_H */
