// The benchmarks' and flood tests' in-kernel flood generator (flood_gen.cc).
#pragma once
#include <napi.h>

namespace cfm {

// Registers floodXdp on cfm_bpf.node's exports.
void InitFloodGen(Napi::Env env, Napi::Object exports);

}  // namespace cfm
