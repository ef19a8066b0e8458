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

struct Event {
  uint32_t id;
  int err;         // errno of the failing send, 0 = recovered
};

constexpr int64_t kMinIntervalNs = 100000;             // 100 us: below any CCM interval
constexpr int64_t kMaxIntervalNs = 3600LL * 1000000000; // 1 h: above 10 min (code 7)
constexpr size_t kMaxJitterSamples = 4u << 20;
// SCHED_FIFO priority of the thread with `realtime`: above every ordinary thread, below the
// kernel's own RT threads (threaded IRQs at 50, watchdogs at 99).
constexpr int kRtPriority = 10;
// Frames per sendmmsg call: bounds how long one call holds the frames after its timestamp.
constexpr size_t kMaxBatch = 64;

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
  if (realtime_) {
    // Asked for, not required: without CAP_SYS_NICE (or with RT bandwidth 0 in the cgroup) the
    // thread stays SCHED_OTHER and mode() says why.
    sched_param sp{};
    sp.sched_priority = kRtPriority;
    rtErrno_ = pthread_setschedparam(thread_.native_handle(), SCHED_FIFO, &sp);
  }
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
  for (auto& kv : sockets_)
    if (kv.second.fd >= 0) close(kv.second.fd);
  sockets_.clear();
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

void Scheduler::Patch(SchedEntry& e) {
  uint8_t* f = e.frame.data();
  if (e.seqOffset >= 0) {
    f[e.seqOffset] = static_cast<uint8_t>(e.seq >> 24);
    f[e.seqOffset + 1] = static_cast<uint8_t>(e.seq >> 16);
    f[e.seqOffset + 2] = static_cast<uint8_t>(e.seq >> 8);
    f[e.seqOffset + 3] = static_cast<uint8_t>(e.seq);
  }
  // 802.1Q 21.6.1.1: RDI is bit 8 of the CCM flags
  if (e.flagsOffset >= 0) f[e.flagsOffset] = static_cast<uint8_t>((f[e.flagsOffset] & 0x7f) | (e.rdi ? 0x80 : 0));
}

// Send `n` due entries that share one socket with sendmmsg, at most kMaxBatch per call. A
// deviation sample is when the frame was handed to the kernel minus its deadline: the first
// frame of a call at the call's start (as a lone send() was measured), the others spread
// evenly up to the call's end (frames of one call leave one after the other inside it).
// sendmmsg stops at the first failing message (and reports its errno only when it is the first
// of the call): that entry records the error, the rest go in the next call.
void Scheduler::SendGroup(Due* due, size_t n) {
  msgs_.resize(n);
  iovs_.resize(n);
  for (size_t i = 0; i < n; i++) {
    SchedEntry& e = *due[i].e;
    Patch(e);
    iovs_[i] = iovec{e.frame.data(), e.frame.size()};
    msgs_[i] = mmsghdr{};
    msgs_[i].msg_hdr.msg_iov = &iovs_[i];
    msgs_[i].msg_hdr.msg_iovlen = 1;
  }
  int fd = due[0].e->fd;
  size_t i = 0;
  while (i < n) {
    size_t m = std::min(n - i, kMaxBatch);
    int64_t t = MonoNs();
    // a lone frame (the usual case when every entry has its own phase): plain send(), cheaper
    int r = m == 1 ? (send(fd, iovs_[i].iov_base, iovs_[i].iov_len, MSG_DONTWAIT) < 0 ? -1 : 1)
                   : sendmmsg(fd, msgs_.data() + i, static_cast<unsigned>(m), MSG_DONTWAIT);
    if (r < 0 && errno == EINTR) continue;
    size_t done = r > 0 ? static_cast<size_t>(r) : 1;  // a failure consumes the failing message
    if (recordJitter_) {
      int64_t span = done > 1 ? MonoNs() - t : 0;
      for (size_t j = 0; j < done && jitterNs_.size() < kMaxJitterSamples; j++) {
        int64_t d = t + span * static_cast<int64_t>(j) / static_cast<int64_t>(done) - due[i + j].deadline;
        jitterNs_.push_back(static_cast<int32_t>(d > INT32_MAX ? INT32_MAX : d));
      }
    }
    if (r <= 0) {
      SchedEntry& e = *due[i].e;
      e.errors++;
      e.lastErrno = r < 0 ? errno : EIO;
    } else {
      for (size_t j = i; j < i + done; j++) {
        SchedEntry& e = *due[j].e;
        e.sent++;
        e.lastErrno = 0;
        if (e.seqOffset >= 0) e.seq++;  // 802.1Q 20.10.2 CCIsentCCMs: only for a CCM actually sent
      }
    }
    i += done;
  }
}

void Scheduler::Push(int64_t deadline, uint32_t id) {
  queue_.emplace_back(deadline, id);
  std::push_heap(queue_.begin(), queue_.end(), std::greater<QItem>());
}

// Drop stale items (removed entries, old grids) once they outnumber the live ones, so adding
// and removing entries with long intervals cannot grow the heap without bound.
void Scheduler::CompactQueue() {
  if (queue_.size() <= 2 * entries_.size() + 64) return;
  queue_.clear();
  for (auto& kv : entries_) queue_.emplace_back(NextDeadline(kv.second), kv.first);
  std::make_heap(queue_.begin(), queue_.end(), std::greater<QItem>());
}

void Scheduler::ReleaseSocket(const SchedEntry& e) {
  auto it = sockets_.find(e.sockIno);
  if (it == sockets_.end()) return;
  if (--it->second.refs == 0) {
    close(it->second.fd);
    sockets_.erase(it);
  }
}

// With `realtime`: lock the thread's working stack in memory (issue 17), so a page of it that was
// reclaimed under memory pressure cannot stall a deadline on a major fault. Only this thread's
// stack, not mlockall: locking every page of the Node process would pin its whole heap. Touch the
// pages first so they are resident. Needs CAP_IPC_LOCK or RLIMIT_MEMLOCK room; mode() says.
void Scheduler::LockStack() {
  constexpr size_t kLockBytes = 64 * 1024;
  volatile uint8_t probe[1] = {0};
  uintptr_t top = reinterpret_cast<uintptr_t>(probe);
  uintptr_t lo = (top - kLockBytes + 4095) & ~static_cast<uintptr_t>(4095);
  uintptr_t hi = top & ~static_cast<uintptr_t>(4095);
  mlockErrno_ = mlock(reinterpret_cast<void*>(lo), hi - lo) == 0 ? 0 : errno;
}

void Scheduler::Loop() {
  // Wake on the deadline, not up to 50 us later (the default timer slack).
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  if (realtime_) LockStack();
  std::vector<Event> events;
  int64_t armed = -1;
  while (running_) {
    {
      std::lock_guard<PiMutex> lk(mu_);
      int64_t d = queue_.empty() ? 0 : std::max<int64_t>(queue_.front().first, 1);
      if (d != armed) {  // one syscall less per wakeup when the next deadline is already armed
        itimerspec its{};
        its.it_value.tv_sec = d / 1000000000LL;
        its.it_value.tv_nsec = d % 1000000000LL;
        timerfd_settime(timerFd_, TFD_TIMER_ABSTIME, &its, nullptr);
        armed = d;
      }
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
      armed = -1;  // expired: disarmed
    }
    if (!running_) break;
    events.clear();
    {
      std::lock_guard<PiMutex> lk(mu_);
      // Everything due now, in one pass: then one sendmmsg per socket.
      int64_t now = MonoNs();
      due_.clear();
      while (!queue_.empty() && queue_.front().first <= now) {
        std::pop_heap(queue_.begin(), queue_.end(), std::greater<QItem>());
        QItem item = queue_.back();
        queue_.pop_back();
        auto it = entries_.find(item.second);
        if (it == entries_.end() || NextDeadline(it->second) != item.first) continue;  // stale
        due_.push_back({&it->second, item.first, 0});
      }
      // group by socket, each group in deadline order (std::sort: no temporary buffer)
      if (due_.size() > 1)
        std::sort(due_.begin(), due_.end(), [](const Due& a, const Due& b) {
          return a.e->fd != b.e->fd ? a.e->fd < b.e->fd : a.deadline < b.deadline;
        });
      for (Due& d : due_) d.prevErrno = d.e->lastErrno;
      for (size_t i = 0; i < due_.size();) {
        size_t j = i + 1;
        while (j < due_.size() && due_[j].e->fd == due_[i].e->fd) j++;
        SendGroup(&due_[i], j - i);
        i = j;
      }
      for (const Due& d : due_) {
        const SchedEntry& e = *d.e;
        if ((d.prevErrno == 0) != (e.lastErrno == 0)) events.push_back({e.id, e.lastErrno});
        else if (d.prevErrno != 0 && e.lastErrno != 0 && d.prevErrno != e.lastErrno) events.push_back({e.id, e.lastErrno});
      }
      now = MonoNs();
      for (Due& d : due_) {
        SchedEntry& e = *d.e;
        e.k++;
        // More than a whole interval late (machine stalled): skip the lost deadlines instead of
        // bursting them out; the grid stays where it was.
        while (NextDeadline(e) + e.intervalNs <= now) {
          e.k++;
          e.missed++;
        }
        Push(NextDeadline(e), e.id);
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
    // the thread never allocates: room for every entry due at once, and for the heap
    due_.reserve(entries_.size());
    msgs_.reserve(entries_.size());
    iovs_.reserve(entries_.size());
    queue_.reserve(2 * entries_.size() + 65);
    Push(first, id);
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
  ReleaseSocket(it->second);  // its heap item goes stale (dropped when popped, or compacted)
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
// refused SCHED_FIFO) }: which scheduling the thread really runs with.
Napi::Value Scheduler::Mode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  int policy = SCHED_OTHER;
  sched_param sp{};
  if (running_ && thread_.joinable()) pthread_getschedparam(thread_.native_handle(), &policy, &sp);
  o.Set("policy", Napi::String::New(env, policy == SCHED_FIFO ? "fifo" : policy == SCHED_RR ? "rr" : "other"));
  o.Set("priority", Napi::Number::New(env, sp.sched_priority));
  o.Set("realtimeRequested", Napi::Boolean::New(env, realtime_));
  if (realtime_ && rtErrno_ > 0) o.Set("error", Napi::String::New(env, ErrnoName(rtErrno_)));
  if (realtime_ && mlockErrno_ >= 0) o.Set("locked", Napi::Boolean::New(env, mlockErrno_ == 0));
  if (realtime_ && mlockErrno_ > 0) o.Set("lockError", Napi::String::New(env, ErrnoName(mlockErrno_)));
  return o;
}

Napi::Value Scheduler::Close(const Napi::CallbackInfo& info) {
  Shutdown();
  return info.Env().Undefined();
}

}  // namespace cfm
