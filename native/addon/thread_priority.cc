#include "thread_priority.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "syserr.h"

namespace cfm {

namespace {

// struct sched_attr (include/uapi/linux/sched/types.h, SCHED_ATTR_SIZE_VER0): glibc 2.36 has no
// wrapper for sched_setattr / sched_getattr.
struct SchedAttr {
  uint32_t size;
  uint32_t policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
};
constexpr uint64_t kResetOnFork = 0x01;  // SCHED_FLAG_RESET_ON_FORK

Napi::Object Describe(Napi::Env env, const SchedAttr& a) {
  Napi::Object o = Napi::Object::New(env);
  uint32_t p = a.policy;
  o.Set("policy", Napi::String::New(env, p == SCHED_FIFO ? "fifo" : p == SCHED_RR ? "rr" : p == SCHED_OTHER ? "other" : "other-" + std::to_string(p)));
  o.Set("priority", Napi::Number::New(env, a.priority));
  o.Set("nice", Napi::Number::New(env, a.nice));
  o.Set("resetOnFork", Napi::Boolean::New(env, (a.flags & kResetOnFork) != 0));
  return o;
}

}  // namespace

Napi::Value ThreadPriority(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SchedAttr cur{};
  if (syscall(SYS_sched_getattr, 0, &cur, sizeof cur, 0) != 0) ThrowSys(env, errno, "sched_getattr", "thread priority");
  Napi::Object before = Describe(env, cur);
  if (info.Length() < 1 || info[0].IsUndefined()) return before;
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "threadPriority(set?: { policy, priority?, nice? })");
  Napi::Object o = info[0].As<Napi::Object>();
  std::string policy = o.Get("policy").ToString().Utf8Value();
  SchedAttr a{};
  a.size = sizeof a;
  a.flags = kResetOnFork;
  if (policy == "fifo") {
    a.policy = SCHED_FIFO;
    int64_t prio = o.Has("priority") ? o.Get("priority").ToNumber().Int64Value() : 1;
    if (prio < 1 || prio > 99) throw Napi::RangeError::New(env, "threadPriority: SCHED_FIFO priority " + std::to_string(prio) + " is not 1..99");
    a.priority = static_cast<uint32_t>(prio);
  } else if (policy == "other") {
    a.policy = SCHED_OTHER;
    int64_t nice = o.Has("nice") ? o.Get("nice").ToNumber().Int64Value() : 0;
    if (nice < -20 || nice > 19) throw Napi::RangeError::New(env, "threadPriority: nice " + std::to_string(nice) + " is not -20..19");
    a.nice = static_cast<int32_t>(nice);
  } else {
    throw Napi::TypeError::New(env, "threadPriority: policy must be 'fifo' or 'other', not '" + policy + "'");
  }
  if (syscall(SYS_sched_setattr, 0, &a, 0) != 0) ThrowSys(env, errno, "sched_setattr", "thread priority " + policy);
  return before;
}

}  // namespace cfm
