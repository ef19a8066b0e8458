// The loader of the eBPF CFM fast path (issue 17), class BpfDatapath of cfm_bpf.node: loads
// native/bpf/cfm.bpf.c from its bpftool skeleton with libbpf, attaches it per port (tc clsact
// ingress or XDP), writes the MEP and peer maps and reads the ring buffer on the libuv loop.
// Its methods live in one file per concern:
//   bpf_datapath.cc        open / load / attach / close, the ring buffer, the module's exports
//   bpf_datapath_maps.cc   the MEP and peer maps (setMep, setPeer, readPeer, ...)
//   bpf_datapath_stats.cc  counters and the kernel's run-time statistics of the program
//   bpf_datapath_cp.cc     CPU protection (seed 002) in the program: the cp_* maps
#pragma once

#include <napi.h>

#include <bpf/libbpf.h>
#include <uv.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cfm.skel.h"
#include "cfm_bpf.h"
#include "cpu_protection.h"

namespace cfm {

class BpfDatapath : public Napi::ObjectWrap<BpfDatapath> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit BpfDatapath(const Napi::CallbackInfo& info);
  ~BpfDatapath() override { Release(); }

 private:
  struct Port {
    std::string ifname;
    int ifindex = 0;
    bool xdp = false;
    uint32_t xdpFlags = 0;
    bpf_tc_opts tc{};
    int policerFd = -1;  // the port's packet socket: the key CPU-protection policers attach to
  };

  // bpf_datapath.cc: the program's life and its ports
  Napi::Value Attach(const Napi::CallbackInfo& info);
  Napi::Value Detach(const Napi::CallbackInfo& info);
  void Load(Napi::Env env, const Napi::Object& o);
  void DetachPort(Port& p);
  Napi::Value Close(const Napi::CallbackInfo& info);
  void Release();
  void ApplyVariant(const Napi::Object& o);
  static bool SizeMap(bpf_map* map, const Napi::Object& o, const char* name, uint32_t max);
  void CheckOpen(Napi::Env env) const;
  static uint32_t U32(const Napi::Value& v, const char* what);
  // bpf_datapath.cc: the ring buffer
  Napi::Value Poll(const Napi::CallbackInfo& info);
  static int Sample(void* ctx, void* data, size_t size);
  size_t Consume();
  static void OnPoll(uv_poll_t* handle, int status, int events);

  // bpf_datapath_maps.cc
  static cfm_mep_key MepKey(const Napi::CallbackInfo& info);
  static cfm_peer_key PeerKey(const Napi::CallbackInfo& info);
  Napi::Value SetMep(const Napi::CallbackInfo& info);
  Napi::Value DeleteMep(const Napi::CallbackInfo& info);
  Napi::Value SetPeer(const Napi::CallbackInfo& info);
  Napi::Value DeletePeer(const Napi::CallbackInfo& info);
  Napi::Value ReadPeer(const Napi::CallbackInfo& info);
  void BumpMepGeneration();

  // bpf_datapath_stats.cc
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value ProgramStats(const Napi::CallbackInfo& info);

  // bpf_datapath_cp.cc
  static void ClearMap(int fd, size_t keySize);
  Napi::Value CpConfigure(const Napi::CallbackInfo& info);
  Napi::Value CpPort(const Napi::CallbackInfo& info);
  Napi::Value CpTestRun(const Napi::CallbackInfo& info);
  Napi::Value CpCounters(const Napi::CallbackInfo& info);

  cfm_bpf* skel_ = nullptr;
  ring_buffer* rb_ = nullptr;
  int progFd_ = -1;
  bool xdp_ = false;
  std::string netns_;
  std::map<int, Port> ports_;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference onRecords_;
  Napi::ObjectReference self_;
  std::unique_ptr<Napi::AsyncContext> asyncCtx_;
  std::vector<uint8_t> batch_;
  size_t batchCount_ = 0;
  uint64_t wakeups_ = 0, records_ = 0, policed_ = 0;
  uint32_t cpBindings_ = 0;
  std::set<uint32_t> cpIfindexes_;  // ports in cp_ports (cfm_maps.bpf.h cp_nports: 0 = skip the lookup)
  CpuAdmitFn admit_ = nullptr;
};

// bpf_datapath_stats.cc: enableRunTimeStats / closeStatsFd on cfm_bpf.node's exports.
void InitRunTimeStats(Napi::Env env, Napi::Object exports);

}  // namespace cfm
