// The CCM scheduler's JavaScript-facing methods (entries, RDI, frames, info, mode); the sender
// threads are in scheduler_lanes.cc.
#include "scheduler.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <functional>

#include "mono_clock.h"
#include "syserr.h"

namespace cfm {

namespace {

constexpr int64_t kMinIntervalNs = 100000;             // 100 us: below any CCM interval
constexpr int64_t kMaxIntervalNs = 3600LL * 1000000000; // 1 h: above 10 min (code 7)

int64_t NumberProp(Napi::Env env, const Napi::Object& o, const char* key, int64_t dflt, bool required) {
  if (!o.Has(key) || o.Get(key).IsUndefined()) {
    if (required) throw Napi::TypeError::New(env, std::string("scheduler.add: '") + key + "' is required");
    return dflt;
  }
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string("scheduler.add: '") + key + "' must be a number");
  return v.As<Napi::Number>().Int64Value();
}

void CheckOffsets(Napi::Env env, size_t len, int64_t seqOffset, int64_t flagsOffset) {
  if (seqOffset < -1 || (seqOffset >= 0 && static_cast<size_t>(seqOffset) + 4 > len))
    throw Napi::RangeError::New(env, "scheduler: seqOffset " + std::to_string(seqOffset) + " outside the frame");
  if (flagsOffset < -1 || (flagsOffset >= 0 && static_cast<size_t>(flagsOffset) >= len))
    throw Napi::RangeError::New(env, "scheduler: flagsOffset " + std::to_string(flagsOffset) + " outside the frame");
}

std::vector<uint8_t> FrameArg(Napi::Env env, const Napi::Value& v) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(env, "scheduler: frame must be a Uint8Array");
  Napi::Uint8Array b = v.As<Napi::Uint8Array>();
  if (b.ByteLength() < 14 || b.ByteLength() > 9216)
    throw Napi::RangeError::New(env, "scheduler: frame length " + std::to_string(b.ByteLength()) + " is not 14..9216");
  return std::vector<uint8_t>(b.Data(), b.Data() + b.ByteLength());
}

}  // namespace

Napi::Object Scheduler::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function f = DefineClass(env, "Scheduler",
                                 {
                                     InstanceMethod("add", &Scheduler::Add),
                                     InstanceMethod("setRdi", &Scheduler::SetRdi),
                                     InstanceMethod("setFrame", &Scheduler::SetFrame),
                                     InstanceMethod("remove", &Scheduler::Remove),
                                     InstanceMethod("info", &Scheduler::Info),
                                     InstanceMethod("jitter", &Scheduler::Jitter),
                                     InstanceMethod("size", &Scheduler::Size),
                                     InstanceMethod("close", &Scheduler::Close),
                                     InstanceMethod("mode", &Scheduler::Mode),
                                 });
  exports.Set("Scheduler", f);
  return exports;
}

// new Scheduler(onEvent, { realtime?: boolean, recordJitter?: boolean, backupLane?: boolean })
// onEvent({ id, kind: 'error' | 'recovered', errno, code, syscall })
// backupLane (default: realtime): the second lane on another CPU (see scheduler.h, "Lanes").
Scheduler::Scheduler(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Scheduler>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "Scheduler(onEvent: function, options?)");
  bool backup = true;
  if (info.Length() > 1 && info[1].IsObject()) {
    Napi::Object o = info[1].As<Napi::Object>();
    if (o.Has("realtime") && o.Get("realtime").IsBoolean()) realtime_ = o.Get("realtime").As<Napi::Boolean>();
    if (o.Has("recordJitter") && o.Get("recordJitter").IsBoolean()) recordJitter_ = o.Get("recordJitter").As<Napi::Boolean>();
    if (o.Has("backupLane") && o.Get("backupLane").IsBoolean()) backup = o.Get("backupLane").As<Napi::Boolean>();
  }
  tsfn_ = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "cfm.Scheduler", 0, 1);
  tsfn_.Unref(env);  // the scheduler alone does not keep the process alive
  tsfnLive_ = true;
  StartLanes(env, realtime_ && backup);
}

// add({ fd, frame, intervalNs, seqOffset?, flagsOffset?, firstSeq?, rdi?, startDelayNs?, phaseNs? }) -> id
// phaseNs >= 0: the first deadline is the first instant >= now + startDelayNs that is phaseNs
// after a multiple of intervalNs on CLOCK_MONOTONIC, so entries of one interval and phase are
// due together (one wakeup, one sendmmsg per socket).
Napi::Value Scheduler::Add(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!running_) ThrowSys(env, EBADF, "scheduler.add", "scheduler closed");
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "scheduler.add(options)");
  Napi::Object o = info[0].As<Napi::Object>();
  SchedEntry e;
  int64_t fd = NumberProp(env, o, "fd", -1, true);
  e.frame = FrameArg(env, o.Get("frame"));
  e.intervalNs = NumberProp(env, o, "intervalNs", 0, true);
  if (e.intervalNs < kMinIntervalNs || e.intervalNs > kMaxIntervalNs)
    throw Napi::RangeError::New(env, "scheduler.add: intervalNs " + std::to_string(e.intervalNs) + " is not 100us..1h");
  int64_t seqOffset = NumberProp(env, o, "seqOffset", -1, false);
  int64_t flagsOffset = NumberProp(env, o, "flagsOffset", -1, false);
  CheckOffsets(env, e.frame.size(), seqOffset, flagsOffset);
  e.seqOffset = static_cast<int>(seqOffset);
  e.flagsOffset = static_cast<int>(flagsOffset);
  e.seq = static_cast<uint32_t>(NumberProp(env, o, "firstSeq", 0, false));
  e.rdi = o.Has("rdi") && o.Get("rdi").ToBoolean();
  int64_t delay = NumberProp(env, o, "startDelayNs", 0, false);
  if (delay < 0) delay = 0;
  int64_t phase = NumberProp(env, o, "phaseNs", -1, false);
  if (phase >= e.intervalNs) throw Napi::RangeError::New(env, "scheduler.add: phaseNs " + std::to_string(phase) + " is not below intervalNs");
  struct stat st;
  if (fstat(static_cast<int>(fd), &st) != 0) ThrowSys(env, errno, "fstat", "scheduler.add fd " + std::to_string(fd));
  if (!S_ISSOCK(st.st_mode)) ThrowSys(env, ENOTSOCK, "scheduler.add", "fd " + std::to_string(fd));
  e.sockIno = static_cast<uint64_t>(st.st_ino);  // sockfs inode: one per socket
  int64_t earliest = MonoNs() + delay;
  e.startNs = earliest;
  if (phase >= 0) {
    int64_t r = ((earliest - phase) % e.intervalNs + e.intervalNs) % e.intervalNs;  // 0..interval-1
    e.startNs = r == 0 ? earliest : earliest + (e.intervalNs - r);
  }
  {
    std::lock_guard<PiMutex> lk(mu_);
    auto sit = sockets_.find(e.sockIno);
    if (sit == sockets_.end()) {
      int dupFd = fcntl(static_cast<int>(fd), F_DUPFD_CLOEXEC, 0);
      if (dupFd < 0) ThrowSys(env, errno, "fcntl F_DUPFD", "scheduler.add fd " + std::to_string(fd));
      sit = sockets_.emplace(e.sockIno, SchedSocket{dupFd, 0}).first;
    }
    sit->second.refs++;
    e.fd = sit->second.fd;
    e.id = nextId_++;
    uint32_t id = e.id;
    int64_t first = e.startNs;
    CompactQueue();  // before the new entry is in entries_: it gets exactly one heap item, below
    entries_.emplace(id, std::move(e));
    // room for the heaps (a lane grows its own send buffers, once, to the largest burst)
    queue_.reserve(2 * entries_.size() + 65);
    if (nLanes_ > 1) fastQueue_.reserve(2 * entries_.size() + 65);
    Push(first, entries_.at(id));
  }
  Wake();
  return Napi::Number::New(env, nextId_ - 1);
}

Napi::Value Scheduler::SetRdi(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  bool rdi = info[1].ToBoolean();
  std::lock_guard<PiMutex> lk(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return Napi::Boolean::New(env, false);
  it->second.rdi = rdi;
  return Napi::Boolean::New(env, true);
}

// setFrame(id, frame, seqOffset, flagsOffset): new content, same deadline grid and sequence
Napi::Value Scheduler::SetFrame(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  std::vector<uint8_t> frame = FrameArg(env, info[1]);
  int64_t seqOffset = info[2].IsNumber() ? info[2].As<Napi::Number>().Int64Value() : -1;
  int64_t flagsOffset = info[3].IsNumber() ? info[3].As<Napi::Number>().Int64Value() : -1;
  CheckOffsets(env, frame.size(), seqOffset, flagsOffset);
  std::lock_guard<PiMutex> lk(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return Napi::Boolean::New(env, false);
  it->second.frame = std::move(frame);
  it->second.seqOffset = static_cast<int>(seqOffset);
  it->second.flagsOffset = static_cast<int>(flagsOffset);
  return Napi::Boolean::New(env, true);
}

Napi::Value Scheduler::Remove(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  std::lock_guard<PiMutex> lk(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return Napi::Boolean::New(env, false);
  ReleaseSocket(it->second.sockIno);  // its heap item goes stale (dropped when popped, or compacted)
  entries_.erase(it);
  return Napi::Boolean::New(env, true);
}

Napi::Value Scheduler::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  std::lock_guard<PiMutex> lk(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return env.Undefined();
  const SchedEntry& e = it->second;
  Napi::Object o = Napi::Object::New(env);
  o.Set("seq", Napi::Number::New(env, e.seq));
  o.Set("sent", Napi::Number::New(env, static_cast<double>(e.sent)));
  o.Set("errors", Napi::Number::New(env, static_cast<double>(e.errors)));
  o.Set("missed", Napi::Number::New(env, static_cast<double>(e.missed)));
  o.Set("lastErrno", Napi::Number::New(env, e.lastErrno));
  o.Set("rdi", Napi::Boolean::New(env, e.rdi));
  o.Set("intervalNs", Napi::Number::New(env, static_cast<double>(e.intervalNs)));
  o.Set("deadlineNs", Napi::Number::New(env, static_cast<double>(NextDeadline(e))));
  return o;
}

// jitter(record: boolean) -> Float64Array of (send time - deadline) ns since the last call;
// clears the samples and turns recording on or off.
Napi::Value Scheduler::Jitter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool record = info.Length() > 0 && info[0].ToBoolean();
  std::vector<int32_t> samples;
  {
    std::lock_guard<PiMutex> lk(mu_);
    samples.swap(jitterNs_);
    recordJitter_ = record;
  }
  Napi::Float64Array out = Napi::Float64Array::New(env, samples.size());
  for (size_t i = 0; i < samples.size(); i++) out[i] = samples[i];
  return out;
}

Napi::Value Scheduler::Size(const Napi::CallbackInfo& info) {
  std::lock_guard<PiMutex> lk(mu_);
  return Napi::Number::New(info.Env(), static_cast<double>(entries_.size()));
}

// mode() -> { policy: 'fifo' | 'other', priority, realtimeRequested, error? (errno name of the
// refused SCHED_FIFO), locked?, lockError?, tid (lane 0's kernel thread id, for
// /proc/self/task/<tid>), lanes: [{ tid, cpu, fastOnly, policy, pinError? }] }: which
// scheduling the threads really run with.
Napi::Value Scheduler::Mode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  auto policyOf = [this](Lane& l, sched_param* sp) {
    int policy = SCHED_OTHER;
    if (running_ && l.thread.joinable()) pthread_getschedparam(l.thread.native_handle(), &policy, sp);
    return policy == SCHED_FIFO ? "fifo" : policy == SCHED_RR ? "rr" : "other";
  };
  sched_param sp{};
  o.Set("policy", Napi::String::New(env, policyOf(lanes_[0], &sp)));
  o.Set("priority", Napi::Number::New(env, sp.sched_priority));
  o.Set("realtimeRequested", Napi::Boolean::New(env, realtime_));
  if (realtime_ && lanes_[0].rtErrno > 0) o.Set("error", Napi::String::New(env, ErrnoName(lanes_[0].rtErrno)));
  if (realtime_ && mlockErrno_ >= 0) o.Set("locked", Napi::Boolean::New(env, mlockErrno_ == 0));
  if (realtime_ && mlockErrno_ > 0) o.Set("lockError", Napi::String::New(env, ErrnoName(mlockErrno_)));
  if (lanes_[0].tid > 0) o.Set("tid", Napi::Number::New(env, lanes_[0].tid.load()));
  Napi::Array lanes = Napi::Array::New(env, nLanes_);
  for (int i = 0; i < nLanes_; i++) {
    Lane& l = lanes_[i];
    Napi::Object lo = Napi::Object::New(env);
    sched_param lsp{};
    lo.Set("policy", Napi::String::New(env, policyOf(l, &lsp)));
    lo.Set("tid", Napi::Number::New(env, l.tid.load()));
    lo.Set("cpu", Napi::Number::New(env, l.cpu));
    lo.Set("fastOnly", Napi::Boolean::New(env, l.fastOnly));
    if (l.pinErrno != 0) lo.Set("pinError", Napi::String::New(env, ErrnoName(l.pinErrno)));
    lanes.Set(i, lo);
  }
  o.Set("lanes", lanes);
  return o;
}

Napi::Value Scheduler::Close(const Napi::CallbackInfo& info) {
  Shutdown();
  return info.Env().Undefined();
}

}  // namespace cfm
