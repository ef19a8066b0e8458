// The optional eBPF module cfm_bpf.node (issue 17): the only binary of the package that links
// libbpf.so.1. src/native/bpf.ts loads it lazily when a BPF datapath is asked for (or `auto`
// probes), so the main addon loads on a board without libbpf1 and a missing module is a stated
// fallback reason, not a failed addon.
// The loader: loads native/bpf/cfm.bpf.c from its bpftool skeleton with libbpf, attaches it per
// port (tc clsact ingress or XDP), writes the MEP and peer maps and reads the ring buffer on the
// libuv loop (uv_poll on its epoll fd). Built only when CMake finds clang, bpftool and libbpf.
// This file: the program's life (open, load, attach, detach, close), the ring buffer, and the
// module's exports; the other methods of BpfDatapath are in bpf_datapath_*.cc (bpf_datapath.h).
#include "bpf_datapath.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <string>

#include "netns.h"
#include "syserr.h"
#include "flood_gen.h"

namespace cfm {

namespace {

// libbpf's messages (the verifier log when a load fails): the last few lines name the reason.
std::string g_libbpfLog;
int LibbpfPrint(enum libbpf_print_level level, const char* fmt, va_list ap) {
  if (level == LIBBPF_DEBUG) return 0;
  char buf[512];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  g_libbpfLog += buf;
  if (g_libbpfLog.size() > 4096) g_libbpfLog.erase(0, g_libbpfLog.size() - 4096);
  return n;
}

std::string LastLines(const std::string& s, int lines) {
  size_t pos = s.size();
  while (pos > 0 && (s[pos - 1] == '\n' || s[pos - 1] == ' ')) pos--;
  size_t end = pos;
  for (int i = 0; i < lines && pos > 0; i++) {
    pos = s.rfind('\n', pos - 1);
    if (pos == std::string::npos) { pos = 0; break; }
  }
  std::string out = s.substr(pos, end - pos);
  for (char& c : out) if (c == '\n') c = ' ';
  return out;
}

}  // namespace

uint32_t BpfDatapath::U32(const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a number");
  return v.As<Napi::Number>().Uint32Value();
}

Napi::Function BpfDatapath::Define(Napi::Env env) {
  return DefineClass(env, "BpfDatapath",
                     {
                         InstanceMethod("attach", &BpfDatapath::Attach),
                         InstanceMethod("detach", &BpfDatapath::Detach),
                         InstanceMethod("setMep", &BpfDatapath::SetMep),
                         InstanceMethod("deleteMep", &BpfDatapath::DeleteMep),
                         InstanceMethod("setPeer", &BpfDatapath::SetPeer),
                         InstanceMethod("deletePeer", &BpfDatapath::DeletePeer),
                         InstanceMethod("readPeer", &BpfDatapath::ReadPeer),
                         InstanceMethod("poll", &BpfDatapath::Poll),
                         InstanceMethod("stats", &BpfDatapath::Stats),
                         InstanceMethod("programStats", &BpfDatapath::ProgramStats),
                         InstanceMethod("close", &BpfDatapath::Close),
                         InstanceMethod("cpConfigure", &BpfDatapath::CpConfigure),
                         InstanceMethod("cpPort", &BpfDatapath::CpPort),
                         InstanceMethod("cpTestRun", &BpfDatapath::CpTestRun),
                         InstanceMethod("cpCounters", &BpfDatapath::CpCounters),
                     });
}

// new BpfDatapath({ mode: 'tc' | 'xdp', netns? }, onRecords(data: Buffer, count: number))
BpfDatapath::BpfDatapath(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfDatapath>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction())
    throw Napi::TypeError::New(env, "BpfDatapath(options: { mode, netns? }, onRecords: function)");
  Napi::Object o = info[0].As<Napi::Object>();
  std::string mode = o.Has("mode") && o.Get("mode").IsString() ? o.Get("mode").As<Napi::String>().Utf8Value() : "tc";
  if (mode != "tc" && mode != "xdp") throw Napi::TypeError::New(env, "BpfDatapath: mode must be 'tc' or 'xdp', not '" + mode + "'");
  xdp_ = mode == "xdp";
  netns_ = o.Has("netns") && o.Get("netns").IsString() ? o.Get("netns").As<Napi::String>().Utf8Value() : "";
  // CPU protection lives in the main addon (its policers are attached to packet sockets there):
  // the addon hands over its admit function as a type-tagged External (cpuProtectionHook).
  if (o.Has("cpuProtection") && o.Get("cpuProtection").IsExternal()) {
    auto ext = o.Get("cpuProtection").As<Napi::External<CpuAdmitHook>>();
    if (!ext.CheckTypeTag(&kCpuAdmitHookTag) || ext.Data()->abi != kCpuAdmitHookAbi)
      throw Napi::TypeError::New(env, "BpfDatapath: cpuProtection is not this build's CPU-protection hook");
    admit_ = ext.Data()->admit;
  }
  onRecords_ = Napi::Persistent(info[1].As<Napi::Function>());

  Load(env, o);
  progFd_ = bpf_program__fd(xdp_ ? skel_->progs.cfm_xdp : skel_->progs.cfm_tc);
  rb_ = ring_buffer__new(bpf_map__fd(skel_->maps.events), &BpfDatapath::Sample, this, nullptr);
  if (!rb_) {
    int e = errno;
    cfm_bpf__destroy(skel_);
    skel_ = nullptr;
    ThrowSys(env, e, "ring_buffer__new", "the CFM eBPF ring buffer");
  }
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  poll_ = new uv_poll_t;
  uv_poll_init(loop, poll_, ring_buffer__epoll_fd(rb_));
  poll_->data = this;
  asyncCtx_ = std::make_unique<Napi::AsyncContext>(env, "cfm.BpfDatapath");
  self_ = Napi::Persistent(Value());
  uv_poll_start(poll_, UV_READABLE, &BpfDatapath::OnPoll);
}

// Open the skeleton, size its maps, apply the variant and load it (the verifier runs here); on
// failure nothing stays open and the error names the reason.
void BpfDatapath::Load(Napi::Env env, const Napi::Object& o) {
  libbpf_set_print(LibbpfPrint);
  g_libbpfLog.clear();
  skel_ = cfm_bpf__open();
  if (!skel_) ThrowSys(env, errno ? errno : EINVAL, "bpf_object__open", "the CFM eBPF object");
  // only the program of the chosen hook is loaded
  bpf_program__set_autoload(xdp_ ? skel_->progs.cfm_tc : skel_->progs.cfm_xdp, false);
  // Capacity sized to need (maxMeps, maxPeers; default the compiled CFM_MAX_MEPS / CFM_MAX_PEERS).
  // A hash map has max_entries buckets (rounded up to a power of two): 65536 peers are a 1 MB
  // bucket array, and each CCM's two lookups land on cold cache lines and TLB entries of it; on
  // this project's VMs a map sized to 256 halved the program's run time per CCM (900 -> 460 ns,
  // 64 peers at 10 ms, docs/linux.md "What it costs").
  if (!SizeMap(skel_->maps.meps, o, "maxMeps", CFM_MAX_MEPS) || !SizeMap(skel_->maps.peers, o, "maxPeers", CFM_MAX_PEERS)) {
    cfm_bpf__destroy(skel_);
    skel_ = nullptr;
    throw Napi::RangeError::New(env, "BpfDatapath: maxMeps must be 1.." + std::to_string(CFM_MAX_MEPS) + " and maxPeers 1.." + std::to_string(CFM_MAX_PEERS));
  }
  ApplyVariant(o);
  // The verifier gives up with EAGAIN when a signal is pending on the loading thread, and
  // libbpf retries only a few times: under `node --cpu-prof` (SIGPROF every ms) or any frequent
  // timer signal the load always failed. Signals stay blocked for the load (they are delivered
  // right after: the JavaScript thread has no handler that must run within it).
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &saved);
  int err = cfm_bpf__load(skel_);
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  if (err) {
    int e = -err;
    // EPERM: say which capabilities, not libbpf's probe chatter
    std::string why = e == EPERM ? "loading eBPF needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (or root)" : LastLines(g_libbpfLog, 3);
    cfm_bpf__destroy(skel_);
    skel_ = nullptr;
    ThrowSys(env, e, "bpf_object__load", "the CFM eBPF program" + (why.empty() ? "" : ": " + why));
  }
}

// attach(ifname, policerFd) -> ifindex
Napi::Value BpfDatapath::Attach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "attach(ifname: string, policerFd?: number)");
  Port port;
  port.ifname = info[0].As<Napi::String>().Utf8Value();
  port.policerFd = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : -1;
  NetnsScope ns(netns_);
  if (ns.error()) ThrowSys(env, ns.error(), ns.syscall(), netns_);
  unsigned idx = if_nametoindex(port.ifname.c_str());
  if (idx == 0) ThrowSys(env, errno, "if_nametoindex", port.ifname);
  port.ifindex = static_cast<int>(idx);
  if (xdp_) {
    // native XDP where the driver has it, else generic (skb) XDP
    port.xdpFlags = XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST;
    int err = bpf_xdp_attach(port.ifindex, progFd_, port.xdpFlags, nullptr);
    if (err) {
      port.xdpFlags = XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST;
      err = bpf_xdp_attach(port.ifindex, progFd_, port.xdpFlags, nullptr);
    }
    if (err) ThrowSys(env, -err, "bpf_xdp_attach", port.ifname);
    port.xdp = true;
  } else {
    bpf_tc_hook hook{};
    hook.sz = sizeof hook;
    hook.ifindex = port.ifindex;
    hook.attach_point = BPF_TC_INGRESS;
    int err = bpf_tc_hook_create(&hook);  // the clsact qdisc; EEXIST: already there (kept on close)
    if (err && err != -EEXIST) ThrowSys(env, -err, "bpf_tc_hook_create", port.ifname);
    port.tc.sz = sizeof port.tc;
    port.tc.prog_fd = progFd_;
    // handle and priority 0: the kernel picks free ones, so several instances can share a port
    err = bpf_tc_attach(&hook, &port.tc);
    if (err) ThrowSys(env, -err, "bpf_tc_attach", port.ifname);
  }
  ports_[port.ifindex] = port;
  return Napi::Number::New(env, port.ifindex);
}

void BpfDatapath::DetachPort(Port& p) {
  NetnsScope ns(netns_);
  if (ns.error()) return;
  if (p.xdp) {
    bpf_xdp_attach_opts o{};
    o.sz = sizeof o;
    o.old_prog_fd = progFd_;
    bpf_xdp_detach(p.ifindex, p.xdpFlags & ~XDP_FLAGS_UPDATE_IF_NOEXIST, &o);
  } else {
    bpf_tc_hook hook{};
    hook.sz = sizeof hook;
    hook.ifindex = p.ifindex;
    hook.attach_point = BPF_TC_INGRESS;
    bpf_tc_opts o{};
    o.sz = sizeof o;
    o.handle = p.tc.handle;
    o.priority = p.tc.priority;
    bpf_tc_detach(&hook, &o);
  }
}

Napi::Value BpfDatapath::Detach(const Napi::CallbackInfo& info) {
  int idx = static_cast<int>(U32(info[0], "ifindex"));
  auto it = ports_.find(idx);
  if (it != ports_.end()) {
    DetachPort(it->second);
    ports_.erase(it);
  }
  return info.Env().Undefined();
}

// poll(): consume what the ring buffer holds now (the handler runs before it returns)
Napi::Value BpfDatapath::Poll(const Napi::CallbackInfo& info) {
  size_t n = 0;
  if (rb_) n = Consume();
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

Napi::Value BpfDatapath::Close(const Napi::CallbackInfo& info) {
  Release();
  return info.Env().Undefined();
}

void BpfDatapath::Release() {
  if (poll_) {
    uv_poll_stop(poll_);
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
  }
  for (auto& [idx, p] : ports_) DetachPort(p);
  ports_.clear();
  if (rb_) {
    ring_buffer__free(rb_);
    rb_ = nullptr;
  }
  if (skel_) {
    cfm_bpf__destroy(skel_);
    skel_ = nullptr;
  }
  if (!self_.IsEmpty()) self_.Reset();
}

// The program's load-time choices (cfm_maps.bpf.h cfg_*; default: the datapath as it runs). The
// benchmark loads the program as it was before beside it, in one run:
// variant: { peerFirst?: boolean, cpGate?: boolean, prealloc?: boolean }.
// prealloc (default false): the MEP and peer hash maps preallocated (one array of elements)
// instead of BPF_F_NO_PREALLOC. Measured beside the default in four runs (64 pairs, 128
// entries): within the noise (pooled, not vs preallocated: 852 vs 818 ns tc and 761 vs 751 ns
// xdp at 100 ms, 366 vs 365 and 341 vs 345 ns at 10 ms; single runs either way by up to 20 %),
// while it costs the full size in kernel memory at once; so not the default (docs/linux.md).
void BpfDatapath::ApplyVariant(const Napi::Object& o) {
  int prealloc = 0;
  if (o.Has("variant") && o.Get("variant").IsObject()) {
    Napi::Object v = o.Get("variant").As<Napi::Object>();
    auto flag = [&](const char* name, int dflt) {
      return v.Has(name) && v.Get(name).IsBoolean() ? (v.Get(name).As<Napi::Boolean>().Value() ? 1 : 0) : dflt;
    };
    skel_->rodata->cfg_peer_first = flag("peerFirst", 1);
    skel_->rodata->cfg_cp_gate = flag("cpGate", 1);
    prealloc = flag("prealloc", 0);
  }
  for (bpf_map* m : {skel_->maps.meps, skel_->maps.peers}) {
    if (prealloc == 1)
      bpf_map__set_map_flags(m, bpf_map__map_flags(m) & ~static_cast<uint32_t>(BPF_F_NO_PREALLOC));
  }
}

// options[name] (a whole number 1..max) as the map's max_entries before the load; false if out of range
bool BpfDatapath::SizeMap(bpf_map* map, const Napi::Object& o, const char* name, uint32_t max) {
  if (!o.Has(name) || o.Get(name).IsUndefined()) return true;
  if (!o.Get(name).IsNumber()) return false;
  double n = o.Get(name).As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= max) || n != static_cast<double>(static_cast<uint32_t>(n))) return false;
  return bpf_map__set_max_entries(map, static_cast<uint32_t>(n)) == 0;
}

void BpfDatapath::CheckOpen(Napi::Env env) const {
  if (!skel_) ThrowSys(env, EBADF, "bpf", "the CFM eBPF datapath is closed");
}

int BpfDatapath::Sample(void* ctx, void* data, size_t size) {
  auto* self = static_cast<BpfDatapath*>(ctx);
  if (size < sizeof(cfm_rec)) return 0;
  // CPU protection (seed 002) on the frames that reach user space, as on the AF_PACKET path.
  const auto* r = static_cast<const cfm_rec*>(data);
  if (self->admit_ && r->type == CFM_REC_FRAME) {
    auto it = self->ports_.find(static_cast<int>(r->ifindex));
    if (it != self->ports_.end() && it->second.policerFd >= 0 &&
        !self->admit_(it->second.policerFd, static_cast<const uint8_t*>(data) + sizeof(cfm_rec),
                      r->len, static_cast<double>(r->at_ns))) {
      self->policed_++;
      return 0;
    }
  }
  const uint8_t* b = static_cast<const uint8_t*>(data);
  self->batch_.insert(self->batch_.end(), b, b + size);
  // records are 8-byte aligned in the batch, like the ring buffer's
  while (self->batch_.size() % 8) self->batch_.push_back(0);
  self->batchCount_++;
  return 0;
}

size_t BpfDatapath::Consume() {
  batch_.clear();
  batchCount_ = 0;
  ring_buffer__consume(rb_);
  size_t n = batchCount_;
  if (n == 0) return 0;
  records_ += n;
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::Copy(env, batch_.data(), batch_.size());
  try {
    onRecords_.MakeCallback(Value(), {buf, Napi::Number::New(env, static_cast<double>(n))}, *asyncCtx_);
  } catch (const Napi::Error& e) {
    napi_fatal_exception(env, e.Value());
  }
  return n;
}

void BpfDatapath::OnPoll(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<BpfDatapath*>(handle->data);
  if (status < 0 || !self->rb_) return;
  self->wakeups_++;
  self->Consume();
}

}  // namespace cfm

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("BpfDatapath", cfm::BpfDatapath::Define(env));
  cfm::InitFloodGen(env, exports);
  cfm::InitRunTimeStats(env, exports);
  // what src/native/bpf.ts checks before using the module (a stale prebuild fails loudly)
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  exports.Set("libbpfVersion", Napi::String::New(env, libbpf_version_string()));
  return exports;
}

}  // namespace

NODE_API_MODULE(cfm_bpf, Init)
