// CPU protection for ETH-CFM (seed 002) on the AF_PACKET receive path: token buckets keyed by
// binding, entry, level, opcode and peer MAC, configured from JavaScript with a program compiled
// by src/cpu-protection/native.ts. A frame the policy drops is counted and discarded here,
// before any JavaScript runs, so a flood costs no JS per dropped frame.
#pragma once
#include <napi.h>

#include <cstdint>

namespace cfm {

// Receive-path hook: true = hand the frame to JavaScript, false = dropped (counted).
// `fd` is the PacketSocket's descriptor a policer was attached to; `nowNs` CLOCK_MONOTONIC ns.
bool CpuProtectionAdmit(int fd, const uint8_t* frame, uint32_t len, double nowNs);

// Registers the CpuPolicer class on the addon's exports.
void InitCpuProtection(Napi::Env env, Napi::Object exports);

}  // namespace cfm
