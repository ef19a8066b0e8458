#include "timer_probe.h"

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "mono_clock.h"
#include "syserr.h"

namespace cfm {

// Runs `count` absolute timerfd deadlines `periodNs` apart in a thread of its own, set up like
// the scheduler's (timer slack 1 ns, SCHED_FIFO 10 when asked and permitted), doing nothing else;
// blocks the caller until done (benchmarks only). `cpu` >= 0 pins the thread to that CPU, so two
// probes (in two worker threads) can tell a stall of one vCPU from a stall of the whole machine.
Napi::Value TimerProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber())
    throw Napi::TypeError::New(env, "timerProbe(periodNs: number, count: number, realtime: boolean, cpu?: number)");
  int64_t period = info[0].As<Napi::Number>().Int64Value();
  int64_t count = info[1].As<Napi::Number>().Int64Value();
  bool realtime = info[2].ToBoolean();
  int64_t cpu = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().Int64Value() : -1;
  if (period < 10000 || period > 1000000000LL || count < 1 || count > (1 << 22))
    throw Napi::RangeError::New(env, "timerProbe: period 10us..1s, count 1..4M");
  if (cpu >= CPU_SETSIZE) throw Napi::RangeError::New(env, "timerProbe: cpu " + std::to_string(cpu) + " out of range");
  std::vector<double> out(static_cast<size_t>(count));
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  if (tfd < 0) ThrowSys(env, errno, "timerfd_create", "timerProbe");
  int policy = SCHED_OTHER;
  int pinErrno = 0;
  int64_t start = 0;
  std::thread t([&] {
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    if (cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(static_cast<int>(cpu), &set);
      pinErrno = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    }
    if (realtime) {
      sched_param sp{};
      sp.sched_priority = 10;
      if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0) policy = SCHED_FIFO;
    }
    start = MonoNs() + 1000000;
    for (int64_t k = 0; k < count; k++) {
      int64_t d = start + k * period;
      itimerspec its{};
      its.it_value.tv_sec = d / 1000000000LL;
      its.it_value.tv_nsec = d % 1000000000LL;
      timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, nullptr);
      pollfd p{tfd, POLLIN, 0};
      while (poll(&p, 1, -1) < 0 && errno == EINTR) {
      }
      uint64_t junk;
      ssize_t r = read(tfd, &junk, sizeof junk);
      (void)r;
      out[static_cast<size_t>(k)] = static_cast<double>(MonoNs() - d);
    }
  });
  t.join();
  close(tfd);
  Napi::Float64Array samples = Napi::Float64Array::New(env, out.size());
  for (size_t i = 0; i < out.size(); i++) samples[i] = out[i];
  Napi::Object o = Napi::Object::New(env);
  o.Set("samples", samples);
  o.Set("policy", Napi::String::New(env, policy == SCHED_FIFO ? "fifo" : "other"));
  o.Set("startNs", Napi::Number::New(env, static_cast<double>(start)));  // deadline k = startNs + k x periodNs
  if (cpu >= 0 && pinErrno != 0) ThrowSys(env, pinErrno, "pthread_setaffinity_np", "timerProbe cpu " + std::to_string(cpu));
  return o;
}

}  // namespace cfm
