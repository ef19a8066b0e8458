#include "scheduler.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "syserr.h"

namespace cfm {

namespace {

int64_t MonoNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

struct Event {
  uint32_t id;
  int err;         // errno of the failing send, 0 = recovered
};

constexpr int64_t kMinIntervalNs = 100000;             // 100 us: below any CCM interval
constexpr int64_t kMaxIntervalNs = 3600LL * 1000000000; // 1 h: above 10 min (code 7)
constexpr size_t kMaxJitterSamples = 4u << 20;

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
                                 });
  exports.Set("Scheduler", f);
  return exports;
}

// new Scheduler(onEvent, { realtime?: boolean, recordJitter?: boolean })
// onEvent({ id, kind: 'error' | 'recovered', errno, code, syscall })
Scheduler::Scheduler(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Scheduler>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "Scheduler(onEvent: function, options?)");
  if (info.Length() > 1 && info[1].IsObject()) {
    Napi::Object o = info[1].As<Napi::Object>();
    if (o.Has("realtime") && o.Get("realtime").IsBoolean()) realtime_ = o.Get("realtime").As<Napi::Boolean>();
    if (o.Has("recordJitter") && o.Get("recordJitter").IsBoolean()) recordJitter_ = o.Get("recordJitter").As<Napi::Boolean>();
  }
  timerFd_ = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (timerFd_ < 0) ThrowSys(env, errno, "timerfd_create", "scheduler");
  wakeFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wakeFd_ < 0) {
    int e = errno;
    close(timerFd_);
    ThrowSys(env, e, "eventfd", "scheduler");
  }
  tsfn_ = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "cfm.Scheduler", 0, 1);
  tsfn_.Unref(env);  // the scheduler alone does not keep the process alive
  tsfnLive_ = true;
  running_ = true;
  thread_ = std::thread([this] { Loop(); });
}

Scheduler::~Scheduler() { Shutdown(); }

void Scheduler::Wake() {
  uint64_t one = 1;
  ssize_t r = write(wakeFd_, &one, sizeof one);
  (void)r;
}

void Scheduler::Shutdown() {
  if (running_.exchange(false)) {
    Wake();
    if (thread_.joinable()) thread_.join();
  }
  std::lock_guard<PiMutex> lk(mu_);
  for (auto& kv : entries_)
    if (kv.second.fd >= 0) close(kv.second.fd);
  entries_.clear();
  queue_.clear();
  if (timerFd_ >= 0) close(timerFd_);
  if (wakeFd_ >= 0) close(wakeFd_);
  timerFd_ = wakeFd_ = -1;
  if (tsfnLive_) {
    tsfn_.Release();
    tsfnLive_ = false;
  }
}

void Scheduler::SendOne(SchedEntry& e, int64_t deadline) {
  uint8_t* f = e.frame.data();
  if (e.seqOffset >= 0) {
    f[e.seqOffset] = static_cast<uint8_t>(e.seq >> 24);
    f[e.seqOffset + 1] = static_cast<uint8_t>(e.seq >> 16);
    f[e.seqOffset + 2] = static_cast<uint8_t>(e.seq >> 8);
    f[e.seqOffset + 3] = static_cast<uint8_t>(e.seq);
  }
  // 802.1Q 21.6.1.1: RDI is bit 8 of the CCM flags
  if (e.flagsOffset >= 0) f[e.flagsOffset] = static_cast<uint8_t>((f[e.flagsOffset] & 0x7f) | (e.rdi ? 0x80 : 0));
  int64_t t = MonoNs();
  if (recordJitter_ && jitterNs_.size() < kMaxJitterSamples) {
    int64_t d = t - deadline;
    jitterNs_.push_back(static_cast<int32_t>(d > INT32_MAX ? INT32_MAX : d));
  }
  ssize_t n = send(e.fd, f, e.frame.size(), MSG_DONTWAIT);
  if (n < 0) {
    e.errors++;
    e.lastErrno = errno;
  } else {
    e.sent++;
    e.lastErrno = 0;
    if (e.seqOffset >= 0) e.seq++;  // 802.1Q 20.10.2 CCIsentCCMs: only for a CCM actually sent
  }
}

void Scheduler::Loop() {
  // Wake on the deadline, not up to 50 us later (the default timer slack).
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  if (realtime_) {
    sched_param sp{};
    sp.sched_priority = 10;
    sched_setscheduler(0, SCHED_FIFO, &sp);  // best effort (needs CAP_SYS_NICE)
  }
  std::vector<Event> events;
  while (running_) {
    {
      std::lock_guard<PiMutex> lk(mu_);
      itimerspec its{};
      if (!queue_.empty()) {
        int64_t d = queue_.begin()->first;
        if (d <= 0) d = 1;
        its.it_value.tv_sec = d / 1000000000LL;
        its.it_value.tv_nsec = d % 1000000000LL;
      }
      timerfd_settime(timerFd_, TFD_TIMER_ABSTIME, &its, nullptr);
    }
    pollfd pfd[2] = {{timerFd_, POLLIN, 0}, {wakeFd_, POLLIN, 0}};
    int r = poll(pfd, 2, -1);
    if (r < 0 && errno != EINTR) break;
    uint64_t junk;
    if (pfd[1].revents & POLLIN) {
      ssize_t rr = read(wakeFd_, &junk, sizeof junk);
      (void)rr;
    }
    if (pfd[0].revents & POLLIN) {
      ssize_t rr = read(timerFd_, &junk, sizeof junk);
      (void)rr;
    }
    if (!running_) break;
    events.clear();
    {
      std::lock_guard<PiMutex> lk(mu_);
      int64_t now = MonoNs();
      while (!queue_.empty() && queue_.begin()->first <= now) {
        auto [deadline, id] = *queue_.begin();
        queue_.erase(queue_.begin());
        auto it = entries_.find(id);
        if (it == entries_.end()) continue;
        SchedEntry& e = it->second;
        int before = e.lastErrno;
        SendOne(e, deadline);
        e.k++;
        now = MonoNs();
        // More than a whole interval late (machine stalled): skip the lost deadlines instead of
        // bursting them out; the grid stays where it was.
        while (NextDeadline(e) + e.intervalNs <= now) {
          e.k++;
          e.missed++;
        }
        queue_.insert({NextDeadline(e), id});
        if ((before == 0) != (e.lastErrno == 0)) events.push_back({id, e.lastErrno});
        else if (before != 0 && e.lastErrno != 0 && before != e.lastErrno) events.push_back({id, e.lastErrno});
      }
    }
    for (const Event& ev : events) {
      auto* heap = new Event(ev);
      napi_status st = tsfn_.NonBlockingCall(heap, [](Napi::Env env, Napi::Function cb, Event* data) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("id", Napi::Number::New(env, data->id));
        o.Set("kind", Napi::String::New(env, data->err ? "error" : "recovered"));
        o.Set("errno", Napi::Number::New(env, data->err));
        o.Set("code", Napi::String::New(env, data->err ? ErrnoName(data->err) : ""));
        o.Set("syscall", Napi::String::New(env, "send"));
        if (data->err) o.Set("message", Napi::String::New(env, std::string("send: ") + std::strerror(data->err)));
        delete data;
        cb.Call({o});
      });
      if (st != napi_ok) delete heap;
    }
  }
}

// add({ fd, frame, intervalNs, seqOffset?, flagsOffset?, firstSeq?, rdi?, startDelayNs? }) -> id
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
  e.fd = fcntl(static_cast<int>(fd), F_DUPFD_CLOEXEC, 0);
  if (e.fd < 0) ThrowSys(env, errno, "fcntl F_DUPFD", "scheduler.add fd " + std::to_string(fd));
  e.startNs = MonoNs() + delay;
  {
    std::lock_guard<PiMutex> lk(mu_);
    e.id = nextId_++;
    queue_.insert({e.startNs, e.id});
    entries_.emplace(e.id, std::move(e));
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
  queue_.erase({NextDeadline(it->second), id});
  if (it->second.fd >= 0) close(it->second.fd);
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

Napi::Value Scheduler::Close(const Napi::CallbackInfo& info) {
  Shutdown();
  return info.Env().Undefined();
}

}  // namespace cfm
