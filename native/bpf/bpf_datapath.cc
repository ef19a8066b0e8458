// The optional eBPF module cfm_bpf.node (issue 17): the only binary of the package that links
// libbpf.so.1. src/native/bpf.ts loads it lazily when a BPF datapath is asked for (or `auto`
// probes), so the main addon loads on a board without libbpf1 and a missing module is a stated
// fallback reason, not a failed addon.
// The loader: loads native/bpf/cfm.bpf.c from its bpftool skeleton with libbpf, attaches it per
// port (tc clsact ingress or XDP), writes the MEP and peer maps and reads the ring buffer on the
// libuv loop (uv_poll on its epoll fd). Built only when CMake finds clang, bpftool and libbpf.
#include <napi.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <uv.h>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cfm.skel.h"
#include "cfm_bpf.h"
#include "netns.h"
#include "syserr.h"
#include "cpu_protection.h"
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

uint32_t U32(const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a number");
  return v.As<Napi::Number>().Uint32Value();
}

struct Port {
  std::string ifname;
  int ifindex = 0;
  bool xdp = false;
  uint32_t xdpFlags = 0;
  bpf_tc_opts tc{};
  int policerFd = -1;  // the port's packet socket: the key CPU-protection policers attach to
};

}  // namespace

class BpfDatapath : public Napi::ObjectWrap<BpfDatapath> {
 public:
  static Napi::Function Define(Napi::Env env) {
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
  explicit BpfDatapath(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfDatapath>(info) {
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

  ~BpfDatapath() override { Release(); }

 private:
  // attach(ifname, policerFd) -> ifindex
  Napi::Value Attach(const Napi::CallbackInfo& info) {
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

  void DetachPort(Port& p) {
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

  Napi::Value Detach(const Napi::CallbackInfo& info) {
    int idx = static_cast<int>(U32(info[0], "ifindex"));
    auto it = ports_.find(idx);
    if (it != ports_.end()) {
      DetachPort(it->second);
      ports_.erase(it);
    }
    return info.Env().Undefined();
  }

  static cfm_mep_key MepKey(const Napi::CallbackInfo& info) {
    cfm_mep_key k{};
    k.ifindex = U32(info[0], "ifindex");
    k.vlan = static_cast<uint16_t>(U32(info[1], "vlan"));
    k.level = static_cast<uint8_t>(U32(info[2], "level"));
    return k;
  }

  // setMep(ifindex, vlan, level, { maid, mepId, interval, intervalNs, priority, handle })
  Napi::Value SetMep(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckOpen(env);
    cfm_mep_key k = MepKey(info);
    if (info.Length() < 4 || !info[3].IsObject()) throw Napi::TypeError::New(env, "setMep(ifindex, vlan, level, mep)");
    Napi::Object o = info[3].As<Napi::Object>();
    cfm_mep m{};
    Napi::Value maid = o.Get("maid");
    if (!maid.IsTypedArray() || maid.As<Napi::Uint8Array>().ByteLength() != 48) throw Napi::TypeError::New(env, "setMep: maid must be 48 bytes");
    memcpy(m.maid, maid.As<Napi::Uint8Array>().Data(), 48);
    m.mepid = static_cast<uint16_t>(U32(o.Get("mepId"), "mepId"));
    m.interval = static_cast<uint8_t>(U32(o.Get("interval"), "interval"));
    m.interval_ns = static_cast<uint64_t>(o.Get("intervalNs").As<Napi::Number>().DoubleValue());
    m.timeout_ns = static_cast<uint64_t>(o.Get("timeoutNs").As<Napi::Number>().DoubleValue());
    m.priority = static_cast<uint8_t>(U32(o.Get("priority"), "priority"));
    m.handle = U32(o.Get("handle"), "handle");
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.meps), &k, &m, BPF_ANY) != 0) ThrowSys(env, errno, "bpf_map_update_elem", "MEP map");
    BumpMepGeneration();
    return env.Undefined();
  }

  Napi::Value DeleteMep(const Napi::CallbackInfo& info) {
    CheckOpen(info.Env());
    cfm_mep_key k = MepKey(info);
    bpf_map_delete_elem(bpf_map__fd(skel_->maps.meps), &k);
    BumpMepGeneration();
    return info.Env().Undefined();
  }

  static cfm_peer_key PeerKey(const Napi::CallbackInfo& info) {
    cfm_peer_key k{};
    k.ifindex = U32(info[0], "ifindex");
    k.vlan = static_cast<uint16_t>(U32(info[1], "vlan"));
    k.level = static_cast<uint8_t>(U32(info[2], "level"));
    k.mepid = static_cast<uint16_t>(U32(info[3], "mepId"));
    return k;
  }

  // setPeer(ifindex, vlan, level, mepId, timeoutNs): a new peer (an existing one keeps its state)
  Napi::Value SetPeer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckOpen(env);
    cfm_peer_key k = PeerKey(info);
    int fd = bpf_map__fd(skel_->maps.peers);
    std::vector<uint8_t> v(bpf_map__value_size(skel_->maps.peers), 0);
    cfm_peer p{};
    p.timeout_ns = static_cast<uint64_t>(info[4].As<Napi::Number>().DoubleValue());
    memcpy(v.data(), &p, sizeof p);
    if (bpf_map_update_elem(fd, &k, v.data(), BPF_NOEXIST) != 0 && errno != EEXIST) ThrowSys(env, errno, "bpf_map_update_elem", "peer map");
    return env.Undefined();
  }

  Napi::Value DeletePeer(const Napi::CallbackInfo& info) {
    CheckOpen(info.Env());
    cfm_peer_key k = PeerKey(info);
    bpf_map_delete_elem(bpf_map__fd(skel_->maps.peers), &k);
    return info.Env().Undefined();
  }

  // readPeer(ifindex, vlan, level, mepId) -> { lastSeenNs, valid, seqErrors, lastSeq, seen, loc } | undefined
  Napi::Value ReadPeer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckOpen(env);
    cfm_peer_key k = PeerKey(info);
    std::vector<uint8_t> v(bpf_map__value_size(skel_->maps.peers), 0);
    if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.peers), &k, v.data()) != 0) return env.Undefined();
    cfm_peer p;
    memcpy(&p, v.data(), sizeof p);
    Napi::Object o = Napi::Object::New(env);
    o.Set("lastSeenNs", Napi::Number::New(env, static_cast<double>(p.last_seen_ns)));
    o.Set("valid", Napi::Number::New(env, static_cast<double>(p.valid)));
    o.Set("seqErrors", Napi::Number::New(env, static_cast<double>(p.seq_errors)));
    o.Set("lastSeq", Napi::Number::New(env, p.last_seq));
    o.Set("seen", Napi::Boolean::New(env, p.seen != 0));
    o.Set("loc", Napi::Boolean::New(env, p.loc != 0));
    return o;
  }

  // poll(): consume what the ring buffer holds now (the handler runs before it returns)
  Napi::Value Poll(const Napi::CallbackInfo& info) {
    size_t n = 0;
    if (rb_) n = Consume();
    return Napi::Number::New(info.Env(), static_cast<double>(n));
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckOpen(env);
    int ncpu = libbpf_num_possible_cpus();
    std::vector<cfm_stats> per(ncpu > 0 ? ncpu : 1);
    uint32_t key = 0;
    cfm_stats sum{};
    if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.stats), &key, per.data()) == 0) {
      for (const cfm_stats& s : per) {
        sum.cfm_frames += s.cfm_frames;
        sum.consumed += s.consumed;
        sum.up += s.up;
        sum.ring_full += s.ring_full;
        sum.truncated += s.truncated;
        sum.loc += s.loc;
      }
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("cfmFrames", Napi::Number::New(env, static_cast<double>(sum.cfm_frames)));
    o.Set("consumed", Napi::Number::New(env, static_cast<double>(sum.consumed)));
    o.Set("up", Napi::Number::New(env, static_cast<double>(sum.up)));
    o.Set("ringFull", Napi::Number::New(env, static_cast<double>(sum.ring_full)));
    o.Set("truncated", Napi::Number::New(env, static_cast<double>(sum.truncated)));
    o.Set("loc", Napi::Number::New(env, static_cast<double>(sum.loc)));
    o.Set("wakeups", Napi::Number::New(env, static_cast<double>(wakeups_)));
    o.Set("records", Napi::Number::New(env, static_cast<double>(records_)));
    o.Set("policed", Napi::Number::New(env, static_cast<double>(policed_)));
    o.Set("mode", Napi::String::New(env, xdp_ ? "xdp" : "tc"));
    // the program's kernel run-time statistics (programStats()), here too so that the software
    // backend's bpfStats() carries them: 0 unless BPF statistics are enabled
    bpf_prog_info pi{};
    uint32_t len = sizeof(pi);
    if (bpf_obj_get_info_by_fd(progFd_, &pi, &len) != 0) pi = bpf_prog_info{};
    o.Set("programRunTimeNs", Napi::Number::New(env, static_cast<double>(pi.run_time_ns)));
    o.Set("programRuns", Napi::Number::New(env, static_cast<double>(pi.run_cnt)));
    return o;
  }

  // programStats(): the kernel's run-time statistics of the loaded program (tc or xdp), summed
  // over every port it is attached to. run_time_ns / run_cnt count only while BPF statistics are
  // enabled (enableRunTimeStats() below, or sysctl kernel.bpf_stats_enabled=1); the kernel then
  // takes a clock read before and after each run, which the figures include.
  Napi::Value ProgramStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckOpen(env);
    bpf_prog_info pi{};
    uint32_t len = sizeof(pi);
    // bpf_obj_get_info_by_fd: Debian's libbpf 1.1 predates bpf_prog_get_info_by_fd (1.2)
    if (bpf_obj_get_info_by_fd(progFd_, &pi, &len) != 0) ThrowSys(env, errno, "bpf_obj_get_info_by_fd", "the CFM eBPF program");
    Napi::Object o = Napi::Object::New(env);
    o.Set("id", Napi::Number::New(env, pi.id));
    o.Set("runTimeNs", Napi::Number::New(env, static_cast<double>(pi.run_time_ns)));
    o.Set("runCount", Napi::Number::New(env, static_cast<double>(pi.run_cnt)));
    o.Set("recursionMisses", Napi::Number::New(env, static_cast<double>(pi.recursion_misses)));
    return o;
  }

  // ---- CPU protection (seed 002) in the program: the native policer's program format
  // (src/cpu-protection/native.ts encodeProgram) written into the cp_* maps.

  static void ClearMap(int fd, size_t keySize) {
    std::vector<uint8_t> k(keySize), next(keySize);
    while (bpf_map_get_next_key(fd, nullptr, next.data()) == 0) {
      if (bpf_map_delete_elem(fd, next.data()) != 0) break;
    }
  }

  // cpConfigure(program: Uint32Array): replaces the policy; buckets and peers start afresh.
  Napi::Value CpConfigure(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckOpen(env);
    if (info.Length() < 1 || !info[0].IsTypedArray()) throw Napi::TypeError::New(env, "cpConfigure(program: Uint32Array)");
    Napi::Uint32Array a = info[0].As<Napi::Uint32Array>();
    const uint32_t* w = a.Data();
    size_t n = a.ElementLength(), i = 3;
    auto need = [&](size_t k) {
      if (i + k > n) throw Napi::RangeError::New(env, "cpConfigure: program ends early at word " + std::to_string(i));
    };
    if (n < 3 || w[0] != 0xCF01) throw Napi::RangeError::New(env, "cpConfigure: bad program magic");
    uint32_t nb = w[1], maxPeers = w[2];
    std::vector<std::pair<cfm_cp_binding_key, cfm_cp_binding>> out;
    for (uint32_t bi = 0; bi < nb; bi++) {
      need(6);
      cfm_cp_binding_key k{w[i], w[i + 1]};
      cfm_cp_binding b{};
      b.index = bi;
      b.flags = w[i + 2];
      b.overall_rate = w[i + 3];
      b.squelch_mask = w[i + 4];
      b.nrules = w[i + 5];
      b.max_peers = maxPeers;
      i += 6;
      if (b.nrules > CFM_CP_MAX_RULES) throw Napi::RangeError::New(env, "cpConfigure: more than 14 rules in a binding");
      for (uint32_t r = 0; r < b.nrules; r++) {
        need(10);
        b.rules[r].level_mask = w[i];
        b.rules[r].rate = w[i + 1];
        memcpy(b.rules[r].ops, w + i + 2, sizeof b.rules[r].ops);
        i += 10;
      }
      out.emplace_back(k, b);
    }
    uint32_t vlanBindings = 0;
    for (auto& kb : out) vlanBindings += kb.first.vlan != 0 ? 1 : 0;
    // before the bindings change: a frame may look a VLAN up for nothing, never skip one
    if (vlanBindings) skel_->data->cp_vlan_bindings = vlanBindings;
    ClearMap(bpf_map__fd(skel_->maps.cp_bindings), sizeof(cfm_cp_binding_key));
    ClearMap(bpf_map__fd(skel_->maps.cp_buckets), sizeof(cfm_cp_bucket_key));
    ClearMap(bpf_map__fd(skel_->maps.cp_peers), sizeof(cfm_cp_peer_key));
    cpBindings_ = nb;
    for (auto& [k, b] : out)
      if (bpf_map_update_elem(bpf_map__fd(skel_->maps.cp_bindings), &k, &b, BPF_ANY) != 0) ThrowSys(env, errno, "bpf_map_update_elem", "CPU-protection bindings");
    skel_->data->cp_vlan_bindings = vlanBindings;
    return env.Undefined();
  }

  // cpPort(ifindex, portIndex | -1): frames arriving on ifindex are the policy's port portIndex.
  Napi::Value CpPort(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckOpen(env);
    uint32_t ifindex = U32(info[0], "ifindex");
    int32_t port = info[1].As<Napi::Number>().Int32Value();
    int fd = bpf_map__fd(skel_->maps.cp_ports);
    if (port < 0) {
      bpf_map_delete_elem(fd, &ifindex);
      cpIfindexes_.erase(ifindex);
    } else {
      uint32_t v = static_cast<uint32_t>(port);
      // the count first: a frame that sees the port in cp_ports must not skip the lookup
      cpIfindexes_.insert(ifindex);
      skel_->data->cp_nports = static_cast<uint32_t>(cpIfindexes_.size());
      if (bpf_map_update_elem(fd, &ifindex, &v, BPF_ANY) != 0) {
        int e = errno;
        cpIfindexes_.erase(ifindex);
        skel_->data->cp_nports = static_cast<uint32_t>(cpIfindexes_.size());
        ThrowSys(env, e, "bpf_map_update_elem", "CPU-protection ports");
      }
    }
    skel_->data->cp_nports = static_cast<uint32_t>(cpIfindexes_.size());
    return env.Undefined();
  }

  // cpTestRun(portIndex, data, lengths, timesNs) -> Uint8Array (1 pass, 0 drop): the tc program
  // run on each frame with BPF_PROG_TEST_RUN at the given times (its clock switched to
  // skb->tstamp for the call), so a frame sequence can be replayed against the other policers.
  Napi::Value CpTestRun(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckOpen(env);
    if (xdp_) throw Napi::TypeError::New(env, "cpTestRun: needs the tc program");
    uint32_t port = U32(info[0], "portIndex");
    Napi::Uint8Array data = info[1].As<Napi::Uint8Array>();
    Napi::Uint32Array lens = info[2].As<Napi::Uint32Array>();
    Napi::Float64Array times = info[3].As<Napi::Float64Array>();
    size_t n = lens.ElementLength();
    if (times.ElementLength() != n) throw Napi::RangeError::New(env, "cpTestRun: one time per frame");
    uint32_t lo = 1;  // a test run's skb is on the loopback device
    uint32_t zero = 0;
    uint64_t on = 1, off = 0;
    bpf_map_update_elem(bpf_map__fd(skel_->maps.cp_ports), &lo, &port, BPF_ANY);
    skel_->data->cp_nports = static_cast<uint32_t>(cpIfindexes_.size()) + 1;  // the loopback entry
    bpf_map_update_elem(bpf_map__fd(skel_->maps.cp_clock), &zero, &on, BPF_ANY);
    Napi::Uint8Array out = Napi::Uint8Array::New(env, n);
    size_t o = 0;
    int err = 0;
    for (size_t k = 0; k < n && !err; k++) {
      uint32_t len = lens[k];
      if (o + len > data.ByteLength()) {
        err = EINVAL;
        break;
      }
      __sk_buff ctx{};
      ctx.tstamp = static_cast<uint64_t>(times[k]);
      LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data.Data() + o, .data_size_in = len, .ctx_in = &ctx,
                  .ctx_size_in = sizeof ctx, .repeat = 1);
      if (bpf_prog_test_run_opts(progFd_, &opts) != 0) err = errno;
      out[k] = opts.retval == TC_ACT_SHOT ? 0 : 1;
      o += len;
    }
    bpf_map_update_elem(bpf_map__fd(skel_->maps.cp_clock), &zero, &off, BPF_ANY);
    bpf_map_delete_elem(bpf_map__fd(skel_->maps.cp_ports), &lo);
    skel_->data->cp_nports = static_cast<uint32_t>(cpIfindexes_.size());
    if (err) ThrowSys(env, err, "bpf_prog_test_run", "the CFM eBPF program");
    return out;
  }

  // cpCounters() -> { buckets: Float64Array (rows of binding, slot, level, opcode, peer, passed,
  // dropped), bindings: Float64Array (squelched, unmatched per binding) }: the native policer's shape.
  Napi::Value CpCounters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckOpen(env);
    std::vector<double> rows;
    int fd = bpf_map__fd(skel_->maps.cp_buckets);
    cfm_cp_bucket_key k{}, next{};
    bool first = true;
    while (bpf_map_get_next_key(fd, first ? nullptr : &k, &next) == 0) {
      first = false;
      k = next;
      cfm_cp_bucket b{};
      if (bpf_map_lookup_elem(fd, &k, &b) != 0) continue;
      uint32_t slot = k.combo / 2048;
      rows.insert(rows.end(), {static_cast<double>(k.binding), static_cast<double>(slot), static_cast<double>((k.combo % 2048) / 256),
                               static_cast<double>(k.combo % 256), static_cast<double>(k.peer), static_cast<double>(b.passed),
                               static_cast<double>(b.dropped)});
    }
    std::vector<double> binds(static_cast<size_t>(cpBindings_) * 2, 0);
    int bfd = bpf_map__fd(skel_->maps.cp_bindings);
    cfm_cp_binding_key bk{}, bnext{};
    first = true;
    while (bpf_map_get_next_key(bfd, first ? nullptr : &bk, &bnext) == 0) {
      first = false;
      bk = bnext;
      cfm_cp_binding b{};
      if (bpf_map_lookup_elem(bfd, &bk, &b) != 0 || b.index >= cpBindings_) continue;
      binds[b.index * 2] = static_cast<double>(b.squelched);
      binds[b.index * 2 + 1] = static_cast<double>(b.unmatched);
    }
    Napi::Float64Array fb = Napi::Float64Array::New(env, rows.size());
    for (size_t i = 0; i < rows.size(); i++) fb[i] = rows[i];
    Napi::Float64Array fbind = Napi::Float64Array::New(env, binds.size());
    for (size_t i = 0; i < binds.size(); i++) fbind[i] = binds[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("buckets", fb);
    o.Set("bindings", fbind);
    return o;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Release();
    return info.Env().Undefined();
  }

  void Release() {
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

  // The program's load-time choices (cfm.bpf.c cfg_*; default: the datapath as it runs). The
  // benchmark loads the program as it was before beside it, in one run:
  // variant: { peerFirst?: boolean, cpGate?: boolean, prealloc?: boolean }.
  // prealloc (default false): the MEP and peer hash maps preallocated (one array of elements)
  // instead of BPF_F_NO_PREALLOC. Measured beside the default in four runs (64 pairs, 128
  // entries): within the noise (pooled, not vs preallocated: 852 vs 818 ns tc and 761 vs 751 ns
  // xdp at 100 ms, 366 vs 365 and 341 vs 345 ns at 10 ms; single runs either way by up to 20 %),
  // while it costs the full size in kernel memory at once; so not the default (docs/linux.md).
  void ApplyVariant(const Napi::Object& o) {
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

  // A MEP was written or deleted: every peer's copy of its MEP (cfm.bpf.c struct peer_mep_copy)
  // is stale from now on, so each peer's next CCM is judged by the MEP map and refreshes the copy.
  // After the map write: a copy stamped with the new generation was taken from the new MEP.
  void BumpMepGeneration() { __atomic_fetch_add(&skel_->data->mep_gen, 1, __ATOMIC_SEQ_CST); }

  // options[name] (a whole number 1..max) as the map's max_entries before the load; false if out of range
  static bool SizeMap(bpf_map* map, const Napi::Object& o, const char* name, uint32_t max) {
    if (!o.Has(name) || o.Get(name).IsUndefined()) return true;
    if (!o.Get(name).IsNumber()) return false;
    double n = o.Get(name).As<Napi::Number>().DoubleValue();
    if (!(n >= 1 && n <= max) || n != static_cast<double>(static_cast<uint32_t>(n))) return false;
    return bpf_map__set_max_entries(map, static_cast<uint32_t>(n)) == 0;
  }

  void CheckOpen(Napi::Env env) const {
    if (!skel_) ThrowSys(env, EBADF, "bpf", "the CFM eBPF datapath is closed");
  }

  static int Sample(void* ctx, void* data, size_t size) {
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

  size_t Consume() {
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

  static void OnPoll(uv_poll_t* handle, int status, int events) {
    auto* self = static_cast<BpfDatapath*>(handle->data);
    if (status < 0 || !self->rb_) return;
    self->wakeups_++;
    self->Consume();
  }

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
  std::set<uint32_t> cpIfindexes_;  // ports in cp_ports (cfm.bpf.c cp_nports: 0 = skip the lookup)
  CpuAdmitFn admit_ = nullptr;
};

}  // namespace cfm

namespace {

// enableRunTimeStats() -> fd: BPF_ENABLE_STATS(BPF_STATS_RUN_TIME), the kernel's run-time
// statistics of every BPF program for as long as the returned fd is open (closeStatsFd(fd)
// or process exit undoes it; unlike the sysctl kernel.bpf_stats_enabled it cannot be left on).
Napi::Value EnableRunTimeStats(const Napi::CallbackInfo& info) {
  int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
  if (fd < 0) cfm::ThrowSys(info.Env(), errno, "bpf_enable_stats", "BPF run-time statistics (needs CAP_SYS_ADMIN)");
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value CloseStatsFd(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "closeStatsFd(fd: number)");
  close(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("BpfDatapath", cfm::BpfDatapath::Define(env));
  cfm::InitFloodGen(env, exports);
  exports.Set("enableRunTimeStats", Napi::Function::New(env, EnableRunTimeStats));
  exports.Set("closeStatsFd", Napi::Function::New(env, CloseStatsFd));
  // what src/native/bpf.ts checks before using the module (a stale prebuild fails loudly)
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  exports.Set("libbpfVersion", Napi::String::New(env, libbpf_version_string()));
  return exports;
}

}  // namespace

NODE_API_MODULE(cfm_bpf, Init)
