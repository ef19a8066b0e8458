// The flood generator of the benchmarks and flood tests (issue 17), in cfm_bpf.node next to the
// datapath's loader: floodXdp() runs native/bpf/flood_gen.bpf.c with BPF_PROG_RUN in live-frames
// mode (BPF_F_TEST_XDP_LIVE_FRAMES) so one CFM frame is sent out of a port as fast as the kernel
// can build and redirect it: no skb and no system call per frame, unlike a packet socket. It runs
// on a libuv thread-pool thread (the JavaScript loop keeps serving the MEPs under the flood).
#include "flood_gen.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "flood_gen.skel.h"
#include "netns.h"
#include "syserr.h"

namespace cfm {

namespace {

double MonoNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// One chunk per BPF_PROG_RUN call: the kernel returns between chunks, so the duration is kept to
// within a chunk (~50 ms at 1.3 M frames/s) and a failure shows early.
constexpr uint32_t kChunk = 1u << 16;
// Frames per batch inside the kernel (the default of the live mode; the veth ring holds 256).
constexpr uint32_t kBatch = 64;

class FloodWorker : public Napi::AsyncWorker {
 public:
  FloodWorker(Napi::Env env, std::string netns, std::string ifname, std::vector<uint8_t> frame, double durationMs)
      : Napi::AsyncWorker(env, "cfm.floodXdp"), deferred_(Napi::Promise::Deferred::New(env)), netns_(std::move(netns)),
        ifname_(std::move(ifname)), frame_(std::move(frame)), durationMs_(durationMs) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    NetnsScope ns(netns_);
    if (ns.error()) return Fail(ns.error(), ns.syscall(), netns_);
    unsigned idx = if_nametoindex(ifname_.c_str());
    if (idx == 0) return Fail(errno, "if_nametoindex", ifname_);
    // the verifier gives up with EAGAIN on a pending signal (see bpf_datapath.cc): blocked here,
    // on this thread-pool thread only, for the whole run
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &saved);
    flood_gen_bpf* skel = flood_gen_bpf__open_and_load();
    if (!skel) {
      int e = errno ? errno : EINVAL;
      pthread_sigmask(SIG_SETMASK, &saved, nullptr);
      return Fail(e, "bpf_object__load", e == EPERM ? "the flood generator: needs CAP_BPF and CAP_NET_ADMIN (or root)" : "the flood generator");
    }
    skel->bss->target_ifindex = idx;
    int fd = bpf_program__fd(skel->progs.flood_tx);
    xdp_md ctx{};
    ctx.data_end = static_cast<uint32_t>(frame_.size());
    ctx.ingress_ifindex = idx;
    double t0 = MonoNs();
    double end = t0 + durationMs_ * 1e6;
    int err = 0;
    while (MonoNs() < end) {
      LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame_.data(), .data_size_in = static_cast<uint32_t>(frame_.size()),
                  .ctx_in = &ctx, .ctx_size_in = sizeof ctx, .repeat = static_cast<int>(kChunk),
                  .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = kBatch);
      if (bpf_prog_test_run_opts(fd, &opts) != 0) {
        err = errno;
        break;
      }
      sent_ += kChunk;
    }
    elapsedNs_ = MonoNs() - t0;
    flood_gen_bpf__destroy(skel);
    pthread_sigmask(SIG_SETMASK, &saved, nullptr);
    if (err) Fail(err, "bpf_prog_test_run", "the flood generator on " + ifname_ + " (live XDP frames need Linux 5.18)");
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (errno_) {
      deferred_.Reject(SysError(env, errno_, syscall_, what_).Value());
      return;
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("sent", Napi::Number::New(env, static_cast<double>(sent_)));
    o.Set("elapsedNs", Napi::Number::New(env, elapsedNs_));
    deferred_.Resolve(o);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  void Fail(int err, const std::string& syscall, const std::string& what) {
    errno_ = err;
    syscall_ = syscall;
    what_ = what;
  }

  Napi::Promise::Deferred deferred_;
  std::string netns_, ifname_;
  std::vector<uint8_t> frame_;
  double durationMs_;
  uint64_t sent_ = 0;
  double elapsedNs_ = 0;
  int errno_ = 0;
  std::string syscall_, what_;
};

// floodXdp({ ifname, frame: Uint8Array, durationMs, netns? }) -> Promise<{ sent, elapsedNs }>
Napi::Value FloodXdp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "floodXdp({ ifname, frame, durationMs, netns? })");
  Napi::Object o = info[0].As<Napi::Object>();
  if (!o.Get("ifname").IsString()) throw Napi::TypeError::New(env, "floodXdp: ifname must be a string");
  if (!o.Get("frame").IsTypedArray()) throw Napi::TypeError::New(env, "floodXdp: frame must be a Uint8Array");
  if (!o.Get("durationMs").IsNumber()) throw Napi::TypeError::New(env, "floodXdp: durationMs must be a number");
  Napi::Uint8Array f = o.Get("frame").As<Napi::Uint8Array>();
  // 14..1500 bytes: an Ethernet header at least; one page holds the frame in live mode
  if (f.ByteLength() < 14 || f.ByteLength() > 1514) throw Napi::RangeError::New(env, "floodXdp: frame must be 14..1514 bytes");
  double ms = o.Get("durationMs").As<Napi::Number>().DoubleValue();
  if (!(ms > 0 && ms <= 3600e3)) throw Napi::RangeError::New(env, "floodXdp: durationMs must be in (0, 3600000]");
  std::string netns = o.Has("netns") && o.Get("netns").IsString() ? o.Get("netns").As<Napi::String>().Utf8Value() : "";
  std::vector<uint8_t> frame(f.Data(), f.Data() + f.ByteLength());
  auto* w = new FloodWorker(env, netns, o.Get("ifname").As<Napi::String>().Utf8Value(), std::move(frame), ms);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace

void InitFloodGen(Napi::Env env, Napi::Object exports) {
  exports.Set("floodXdp", Napi::Function::New(env, FloodXdp, "floodXdp"));
}

}  // namespace cfm
