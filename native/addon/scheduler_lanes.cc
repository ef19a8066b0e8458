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
// Entries this fast get the second lane: 3.33 ms (interval code 1), where the ~12 ms stalls of one
// vCPU seen on the development VM are 3.6 intervals. Not 10 ms (a stall must last 25 ms to reach
// 3.5 intervals there): the lane's extra wakeup per deadline costs ~35-40 us of CPU (measured).
constexpr int64_t kFastIntervalNs = 3400000;

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

// Send `n` taken frames that share one socket with sendmmsg, at most kMaxBatch per call, without
// the lock. A deviation sample is when the frame was handed to the kernel minus its deadline: the
// first frame of a call at the call's start (as a lone send() was measured), the others spread
// evenly up to the call's end (frames of one call leave one after the other inside it).
// sendmmsg stops at the first failing message (and reports its errno only when it is the first
// of the call): that frame records the error, the rest go in the next call.
void Scheduler::SendGroup(Lane& lane, Due* due, size_t n) {
  lane.msgs.resize(n);
  lane.iovs.resize(n);
  for (size_t i = 0; i < n; i++) {
    lane.iovs[i] = iovec{lane.buf.data() + due[i].off, due[i].len};
    lane.msgs[i] = mmsghdr{};
    lane.msgs[i].msg_hdr.msg_iov = &lane.iovs[i];
    lane.msgs[i].msg_hdr.msg_iovlen = 1;
  }
  int fd = due[0].fd;
  size_t i = 0;
  while (i < n) {
    size_t m = std::min(n - i, kMaxBatch);
    int64_t t = MonoNs();
    // a lone frame (the usual case when every entry has its own phase): plain send(), cheaper
    int r = m == 1 ? (send(fd, lane.iovs[i].iov_base, lane.iovs[i].iov_len, MSG_DONTWAIT) < 0 ? -1 : 1)
                   : sendmmsg(fd, lane.msgs.data() + i, static_cast<unsigned>(m), MSG_DONTWAIT);
    if (r < 0 && errno == EINTR) continue;
    size_t done = r > 0 ? static_cast<size_t>(r) : 1;  // a failure consumes the failing message
    int err = r < 0 ? errno : r == 0 ? EIO : 0;
    int64_t span = done > 1 ? MonoNs() - t : 0;
    for (size_t j = 0; j < done; j++) {
      due[i + j].devNs = t + span * static_cast<int64_t>(j) / static_cast<int64_t>(done) - due[i + j].deadline;
      due[i + j].err = err;
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

void Scheduler::ReleaseSocket(uint64_t sockIno) {
  auto it = sockets_.find(sockIno);
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
    int64_t d;
    {
      std::lock_guard<PiMutex> lk(mu_);
      d = lane.fastOnly ? NextFastDeadline() : queue_.empty() ? 0 : std::max<int64_t>(queue_.front().first, 1);
    }
    if (d != armed) {  // one syscall less per wakeup when the next deadline is already armed
      itimerspec its{};
      its.it_value.tv_sec = d / 1000000000LL;
      its.it_value.tv_nsec = d % 1000000000LL;
      timerfd_settime(lane.timerFd, TFD_TIMER_ABSTIME, &its, nullptr);
      armed = d;
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
    // No system call under the lock: a lane whose CPU stops (a hypervisor holding that vCPU,
    // measured: most likely right at a send, whose wakeups of other CPUs exit to the host) while
    // holding it would stop the other lane too.
    events.clear();
    {
      std::lock_guard<PiMutex> lk(mu_);
      TakeDue(lane, MonoNs());
    }
    if (lane.due.empty()) continue;
    SendTaken(lane);
    {
      std::lock_guard<PiMutex> lk(mu_);
      RecordSent(lane, events);
    }
    Emit(events);
  }
}

// Under the lock: take every frame due now (copied, sequence number and RDI patched, into the
// lane's buffer), hold its socket, and move its entry to the next deadline, so the other lane
// finds nothing due. The sequence number is reserved here and given back in RecordSent if the
// send fails (802.1Q 20.10.2: only CCMs actually sent are counted).
void Scheduler::TakeDue(Lane& lane, int64_t now) {
  lane.due.clear();
  lane.buf.clear();
  while (!queue_.empty() && queue_.front().first <= now) {
    std::pop_heap(queue_.begin(), queue_.end(), std::greater<QItem>());
    QItem item = queue_.back();
    queue_.pop_back();
    auto it = entries_.find(item.second);
    if (it == entries_.end() || NextDeadline(it->second) != item.first) continue;  // stale
    SchedEntry& e = it->second;
    Patch(e);
    Due d{e.id, item.first, e.fd, e.sockIno, lane.buf.size(), e.frame.size(), e.seqOffset >= 0, e.seq, e.lastErrno, 0, 0};
    lane.buf.insert(lane.buf.end(), e.frame.begin(), e.frame.end());
    if (d.hasSeq) e.seq++;
    sockets_[e.sockIno].refs++;
    e.k++;
    // More than a whole interval late (machine stalled): skip the lost deadlines instead of
    // bursting them out; the grid stays where it was.
    while (NextDeadline(e) + e.intervalNs <= now) {
      e.k++;
      e.missed++;
    }
    lane.due.push_back(d);
  }
  // Next deadlines only now: one already due (late by less than an interval) is taken at the
  // next pass, after this send's result, not twice in one batch.
  for (const Due& d : lane.due) {
    const SchedEntry& e = entries_.at(d.id);
    Push(NextDeadline(e), e);
  }
}

// Without the lock: one sendmmsg per socket, each group in deadline order.
void Scheduler::SendTaken(Lane& lane) {
  if (lane.due.size() > 1)
    std::sort(lane.due.begin(), lane.due.end(), [](const Due& a, const Due& b) {
      return a.fd != b.fd ? a.fd < b.fd : a.deadline < b.deadline;
    });
  for (size_t i = 0; i < lane.due.size();) {
    size_t j = i + 1;
    while (j < lane.due.size() && lane.due[j].fd == lane.due[i].fd) j++;
    SendGroup(lane, &lane.due[i], j - i);
    i = j;
  }
}

// Under the lock again: counters, errors (events on changes only), deviation samples, and the
// sockets held by TakeDue released. An entry removed meanwhile is skipped.
void Scheduler::RecordSent(Lane& lane, std::vector<TxEvent>& events) {
  for (const Due& d : lane.due) {
    if (recordJitter_ && jitterNs_.size() < kMaxJitterSamples)
      jitterNs_.push_back(static_cast<int32_t>(d.devNs > INT32_MAX ? INT32_MAX : d.devNs));
    auto it = entries_.find(d.id);
    if (it != entries_.end()) {
      SchedEntry& e = it->second;
      if (d.err == 0) {
        e.sent++;
        e.lastErrno = 0;
      } else {
        e.errors++;
        e.lastErrno = d.err;
        if (d.hasSeq && e.seq == d.seq + 1) e.seq = d.seq;  // not sent: not counted (20.10.2)
      }
      if ((d.prevErrno == 0) != (e.lastErrno == 0)) events.push_back({e.id, e.lastErrno});
      else if (d.prevErrno != 0 && e.lastErrno != 0 && d.prevErrno != e.lastErrno) events.push_back({e.id, e.lastErrno});
    }
    ReleaseSocket(d.sockIno);
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
