// The CCM scheduler's sender threads ("lanes", see scheduler.h): start, timer loop, sending what
// is due, stop. The JavaScript-facing methods are in scheduler.cc.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <functional>

#include "mono_clock.h"
#include "scheduler.h"
#include "syserr.h"

namespace cfm {

namespace {

constexpr size_t kMaxJitterSamples = 4u << 20;
// SCHED_FIFO priority of the thread with `realtime`: above every ordinary thread, below the
// kernel's own RT threads (threaded IRQs at 50, watchdogs at 99).
constexpr int kRtPriority = 10;
// Frames per sendmmsg call: bounds how long one call holds the frames after its timestamp.
constexpr size_t kMaxBatch = 64;
// Entries this fast get the second lane (3.33 ms and 10 ms, the intervals a stall of a few tens of
// ms turns into a gap of several intervals; at 100 ms it stays under one).
constexpr int64_t kFastIntervalNs = 10000000;

// The CPUs this process may run on, lowest first (the lanes are pinned to the first two).
std::vector<int> AllowedCpus() {
  std::vector<int> out;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return out;
  for (int c = 0; c < CPU_SETSIZE; c++)
    if (CPU_ISSET(c, &set)) out.push_back(c);
  return out;
}

}  // namespace

void Scheduler::OpenLane(Napi::Env env, Lane& lane) {
  lane.timerFd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (lane.timerFd < 0) ThrowSys(env, errno, "timerfd_create", "scheduler");
  lane.wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (lane.wakeFd < 0) ThrowSys(env, errno, "eventfd", "scheduler");
}

// Lane 0 always; lane 1 with `backup` when the process may use two CPUs. The lanes are pinned to
// the first two allowed CPUs (their timers then fire on different CPUs); a lone lane is not pinned.
void Scheduler::StartLanes(Napi::Env env, bool backup) {
  std::vector<int> cpus = backup ? AllowedCpus() : std::vector<int>{};
  int n = cpus.size() >= 2 ? 2 : 1;
  try {
    for (int i = 0; i < n; i++) OpenLane(env, lanes_[i]);
  } catch (...) {
    for (Lane& l : lanes_) {
      if (l.timerFd >= 0) close(l.timerFd);
      if (l.wakeFd >= 0) close(l.wakeFd);
      l.timerFd = l.wakeFd = -1;
    }
    tsfn_.Release();
    tsfnLive_ = false;
    throw;
  }
  nLanes_ = n;
  running_ = true;
  for (int i = 0; i < n; i++) {
    Lane& l = lanes_[i];
    l.cpu = n == 2 ? cpus[i] : -1;
    l.fastOnly = i == 1;
    l.thread = std::thread([this, &l] { Loop(l); });
    if (l.cpu >= 0) {
      // Before any entry exists (the thread has armed nothing yet): an hrtimer is queued on the
      // CPU that arms it, so each lane's timer fires on its own CPU.
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(l.cpu, &set);
      l.pinErrno = pthread_setaffinity_np(l.thread.native_handle(), sizeof set, &set);
    }
    if (realtime_) {
      // Asked for, not required: without CAP_SYS_NICE (or with RT bandwidth 0 in the cgroup) the
      // thread stays SCHED_OTHER and mode() says why.
      sched_param sp{};
      sp.sched_priority = kRtPriority;
      l.rtErrno = pthread_setschedparam(l.thread.native_handle(), SCHED_FIFO, &sp);
    }
  }
}

Scheduler::~Scheduler() { Shutdown(); }

void Scheduler::Wake() {
  uint64_t one = 1;
  for (int i = 0; i < nLanes_; i++) {
    ssize_t r = write(lanes_[i].wakeFd, &one, sizeof one);
    (void)r;
  }
}

void Scheduler::Shutdown() {
  if (running_.exchange(false)) {
    Wake();
    for (int i = 0; i < nLanes_; i++)
      if (lanes_[i].thread.joinable()) lanes_[i].thread.join();
  }
  std::lock_guard<PiMutex> lk(mu_);
  for (auto& kv : sockets_)
    if (kv.second.fd >= 0) close(kv.second.fd);
  sockets_.clear();
  entries_.clear();
  queue_.clear();
  fastQueue_.clear();
  for (int i = 0; i < nLanes_; i++) {
    Lane& l = lanes_[i];
    if (l.timerFd >= 0) close(l.timerFd);
    if (l.wakeFd >= 0) close(l.wakeFd);
    l.timerFd = l.wakeFd = -1;
  }
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

void Scheduler::Push(int64_t deadline, const SchedEntry& e) {
  queue_.emplace_back(deadline, e.id);
  std::push_heap(queue_.begin(), queue_.end(), std::greater<QItem>());
  if (nLanes_ > 1 && e.intervalNs <= kFastIntervalNs) {
    fastQueue_.emplace_back(deadline, e.id);
    std::push_heap(fastQueue_.begin(), fastQueue_.end(), std::greater<QItem>());
  }
}

// Drop stale items (removed entries, old grids) once they outnumber the live ones, so adding
// and removing entries with long intervals cannot grow the heap without bound.
void Scheduler::CompactQueue() {
  if (queue_.size() > 2 * entries_.size() + 64) {
    queue_.clear();
    for (auto& kv : entries_) queue_.emplace_back(NextDeadline(kv.second), kv.first);
    std::make_heap(queue_.begin(), queue_.end(), std::greater<QItem>());
  }
  if (fastQueue_.size() > 2 * entries_.size() + 64) {
    fastQueue_.clear();
    for (auto& kv : entries_)
      if (kv.second.intervalNs <= kFastIntervalNs) fastQueue_.emplace_back(NextDeadline(kv.second), kv.first);
    std::make_heap(fastQueue_.begin(), fastQueue_.end(), std::greater<QItem>());
  }
}

// Lane 1's next deadline: the earliest fast entry's, dropping stale items (entry removed, or its
// deadline already sent by either lane). 0 = none (disarm).
int64_t Scheduler::NextFastDeadline() {
  while (!fastQueue_.empty()) {
    const QItem& top = fastQueue_.front();
    auto it = entries_.find(top.second);
    if (it != entries_.end() && NextDeadline(it->second) == top.first) return std::max<int64_t>(top.first, 1);
    std::pop_heap(fastQueue_.begin(), fastQueue_.end(), std::greater<QItem>());
    fastQueue_.pop_back();
  }
  return 0;
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

void Scheduler::Loop(Lane& lane) {
  // Wake on the deadline, not up to 50 us later (the default timer slack).
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  lane.tid = static_cast<int>(gettid());
  if (realtime_) LockStack();
  std::vector<TxEvent> events;
  int64_t armed = -1;
  while (running_) {
    {
      std::lock_guard<PiMutex> lk(mu_);
      int64_t d = lane.fastOnly ? NextFastDeadline() : queue_.empty() ? 0 : std::max<int64_t>(queue_.front().first, 1);
      if (d != armed) {  // one syscall less per wakeup when the next deadline is already armed
        itimerspec its{};
        its.it_value.tv_sec = d / 1000000000LL;
        its.it_value.tv_nsec = d % 1000000000LL;
        timerfd_settime(lane.timerFd, TFD_TIMER_ABSTIME, &its, nullptr);
        armed = d;
      }
    }
    pollfd pfd[2] = {{lane.timerFd, POLLIN, 0}, {lane.wakeFd, POLLIN, 0}};
    int r = poll(pfd, 2, -1);
    if (r < 0 && errno != EINTR) break;
    uint64_t junk;
    if (pfd[1].revents & POLLIN) {
      ssize_t rr = read(lane.wakeFd, &junk, sizeof junk);
      (void)rr;
    }
    if (pfd[0].revents & POLLIN) {
      ssize_t rr = read(lane.timerFd, &junk, sizeof junk);
      (void)rr;
      armed = -1;  // expired: disarmed
    }
    if (!running_) break;
    events.clear();
    {
      std::lock_guard<PiMutex> lk(mu_);
      SendDue(events);
    }
    Emit(events);
  }
}

// Everything due now, in one pass: one sendmmsg per socket, then each entry's next deadline.
// Called by either lane with mu_ held; the lane that comes second finds nothing due.
void Scheduler::SendDue(std::vector<TxEvent>& events) {
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
  if (due_.empty()) return;
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
    Push(NextDeadline(e), e);
  }
}

void Scheduler::Emit(const std::vector<TxEvent>& events) {
  for (const TxEvent& ev : events) {
    auto* heap = new TxEvent(ev);
    napi_status st = tsfn_.NonBlockingCall(heap, [](Napi::Env env, Napi::Function cb, TxEvent* data) {
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

}  // namespace cfm
