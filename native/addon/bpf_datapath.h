// The eBPF receive fast path's loader (issue 17): loads native/bpf/cfm.bpf.c from its bpftool
// skeleton with libbpf, attaches it per port (tc clsact ingress or XDP), writes the MEP and peer
// maps and reads the ring buffer on the libuv loop (uv_poll on its epoll fd). Compiled only when
// CMake found clang, bpftool and libbpf (CFM_HAVE_BPF); otherwise the addon says haveBpf: false.
#pragma once
#include <napi.h>

namespace cfm {

// Registers BpfDatapath and haveBpf on the addon's exports.
void InitBpfDatapath(Napi::Env env, Napi::Object exports);

}  // namespace cfm
