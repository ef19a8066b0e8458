// BpfDatapath (bpf_datapath.h), what the program counted: its per-CPU counters (stats) and the
// kernel's run-time statistics of the program (programStats), and the module functions that turn
// those statistics on and off (enableRunTimeStats, closeStatsFd).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "bpf_datapath.h"
#include "syserr.h"

namespace cfm {

Napi::Value BpfDatapath::Stats(const Napi::CallbackInfo& info) {
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
Napi::Value BpfDatapath::ProgramStats(const Napi::CallbackInfo& info) {
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

namespace {

// enableRunTimeStats() -> fd: BPF_ENABLE_STATS(BPF_STATS_RUN_TIME), the kernel's run-time
// statistics of every BPF program for as long as the returned fd is open (closeStatsFd(fd)
// or process exit undoes it; unlike the sysctl kernel.bpf_stats_enabled it cannot be left on).
Napi::Value EnableRunTimeStats(const Napi::CallbackInfo& info) {
  int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
  if (fd < 0) ThrowSys(info.Env(), errno, "bpf_enable_stats", "BPF run-time statistics (needs CAP_SYS_ADMIN)");
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value CloseStatsFd(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "closeStatsFd(fd: number)");
  close(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

}  // namespace

void InitRunTimeStats(Napi::Env env, Napi::Object exports) {
  exports.Set("enableRunTimeStats", Napi::Function::New(env, EnableRunTimeStats));
  exports.Set("closeStatsFd", Napi::Function::New(env, CloseStatsFd));
}

}  // namespace cfm
