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

// The admit hook as the optional eBPF module (cfm_bpf.node, a separate shared object) gets it:
// the addon exports `cpuProtectionHook`, an External tagged kCpuAdmitHookTag pointing at a
// CpuAdmitHook; src/native/bpf.ts passes it into BpfDatapath so frames the BPF program sends up
// go through the same policers as AF_PACKET frames.
using CpuAdmitFn = bool (*)(int fd, const uint8_t* frame, uint32_t len, double nowNs);
struct CpuAdmitHook {
  uint32_t abi;
  CpuAdmitFn admit;
};
inline constexpr uint32_t kCpuAdmitHookAbi = 1;
inline constexpr napi_type_tag kCpuAdmitHookTag = {0x6366'6d2d'6370'7531ULL, 0x6164'6d69'7400'0001ULL};

// Registers the CpuPolicer class (and cpuProtectionHook) on the addon's exports.
void InitCpuProtection(Napi::Env env, Napi::Object exports);

}  // namespace cfm
