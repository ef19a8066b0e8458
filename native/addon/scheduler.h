// Native CCM transmit scheduler (802.1Q 20.10 CCI state machine's timer, in native code).
// One thread sleeps on a timerfd armed at the earliest absolute CLOCK_MONOTONIC deadline; each
// entry's k-th deadline is start + k x interval, so there is no drift whatever the lateness of
// one wakeup. On each deadline the thread patches the sequence number and the RDI flag into the
// prebuilt frame and sends it on the entry's own dup of the packet socket. JavaScript sets
// RDI / the frame / removes entries (under a mutex; an eventfd wakes the thread) and hears only
// about changes: an entry starting to fail (errno) or recovering.
//
// Batching: entries added on the same socket share one dup of it, and every frame due at one
// wakeup goes out with one sendmmsg per socket. Entries given a `phaseNs` sit on an absolute
// grid (deadline = phaseNs mod intervalNs), so many MEPs with the same interval and phase are due
// at the same instant and cost one wakeup between them.
//
// Lanes (issue 17): with `realtime` on a machine with two or more CPUs the scheduler runs two
// threads ("lanes") pinned to two different CPUs, each with its own timerfd. Lane 0 follows every
// deadline; lane 1 only those of 3.33 ms entries. Both wake at the deadline and
// whichever gets the lock first sends; the other finds nothing due and re-arms. Measured on the
// 2-vCPU development VM: the hypervisor stalls one vCPU at a time for up to ~45 ms (a bare timer
// thread pinned to that vCPU stalls with it, the one on the other vCPU does not); an hrtimer
// lives on the CPU that armed it, so a single thread's deadline waits for its vCPU to come back.
// Only 3.33 ms entries: the second lane doubles the wakeups of what it follows (measured +35-40 us
// of CPU per CCM for one entry), and at 10 ms a stall must last 25 ms to make a gap of 3.5.
#pragma once
#include <napi.h>

#include <pthread.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace cfm {

// A priority-inheriting mutex: with a SCHED_FIFO scheduler thread, a JS thread preempted while
// holding the lock would otherwise stall the sender for as long as the CFS thread waits for a
// CPU (priority inversion). Satisfies BasicLockable for std::lock_guard.
class PiMutex {
 public:
  PiMutex() {
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(&m_, &a);
    pthread_mutexattr_destroy(&a);
  }
  ~PiMutex() { pthread_mutex_destroy(&m_); }
  PiMutex(const PiMutex&) = delete;
  PiMutex& operator=(const PiMutex&) = delete;
  void lock() { pthread_mutex_lock(&m_); }
  void unlock() { pthread_mutex_unlock(&m_); }

 private:
  pthread_mutex_t m_;
};

// One dup() of a packet socket, shared by every entry added on that socket (same inode).
struct SchedSocket {
  int fd = -1;
  uint32_t refs = 0;
};

struct SchedEntry {
  uint32_t id = 0;
  int fd = -1;                 // the shared dup of the packet socket (SchedSocket)
  uint64_t sockIno = 0;        // key of that SchedSocket
  std::vector<uint8_t> frame;
  int64_t intervalNs = 0;
  int64_t startNs = 0;         // first deadline
  uint64_t k = 0;              // index of the next deadline: startNs + k * intervalNs
  int seqOffset = -1;          // byte offset of the 4-byte sequence number, -1 = leave as is
  int flagsOffset = -1;        // byte offset of the CCM flags byte (RDI = 0x80)
  uint32_t seq = 0;            // next sequence number to send
  bool rdi = false;
  uint64_t sent = 0, errors = 0, missed = 0;
  int lastErrno = 0;           // 0 = last send worked
};

class Scheduler : public Napi::ObjectWrap<Scheduler> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports);
  explicit Scheduler(const Napi::CallbackInfo& info);
  ~Scheduler() override;

 private:
  Napi::Value Add(const Napi::CallbackInfo& info);
  Napi::Value SetRdi(const Napi::CallbackInfo& info);
  Napi::Value SetFrame(const Napi::CallbackInfo& info);
  Napi::Value Remove(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Jitter(const Napi::CallbackInfo& info);
  Napi::Value Size(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Mode(const Napi::CallbackInfo& info);

  // One frame taken for sending: copied (sequence number and RDI patched) into the lane's buffer
  // under the lock, sent without it, its result recorded under the lock again.
  struct Due {
    uint32_t id;
    int64_t deadline;
    int fd;
    uint64_t sockIno;  // the socket is held (refs + 1) until the result is recorded
    size_t off, len;   // the frame in Lane::buf
    bool hasSeq;
    uint32_t seq;      // the sequence number it carries (reserved: the entry's next one)
    int prevErrno;     // before this send: error / recovered events are changes only
    int err;           // result: 0 = sent
    int64_t devNs;     // handed to the kernel - deadline
  };
  // (deadline, id): a min-heap in a vector (no allocation per send). Items are never removed
  // from the middle: an item whose entry is gone or has moved on is stale and dropped when popped.
  using QItem = std::pair<int64_t, uint32_t>;

  // One sender thread with its own timer and wake eventfd (see "Lanes" above).
  struct Lane {
    int timerFd = -1;
    int wakeFd = -1;
    int cpu = -1;          // pinned to this CPU, -1 = not pinned
    bool fastOnly = false; // arms only for entries of interval <= kFastIntervalNs (lane 1)
    std::thread thread;
    std::atomic<int> tid{0};
    int rtErrno = -1;      // -1 not asked, 0 SCHED_FIFO in force, else why it was refused
    int pinErrno = 0;
    // the lane's own send state (grown by the lane only, capacity kept: no allocation per send
    // once the largest burst has been seen)
    std::vector<Due> due;
    std::vector<uint8_t> buf;
    std::vector<mmsghdr> msgs;
    std::vector<iovec> iovs;
  };

  void OpenLane(Napi::Env env, Lane& lane);
  void StartLanes(Napi::Env env, bool backup);
  void Loop(Lane& lane);
  struct TxEvent {
    uint32_t id;
    int err;  // errno of the failing send, 0 = recovered
  };
  void TakeDue(Lane& lane, int64_t now);
  void SendTaken(Lane& lane);
  void RecordSent(Lane& lane, std::vector<TxEvent>& events);
  void Emit(const std::vector<TxEvent>& events);
  int64_t NextFastDeadline();
  void LockStack();
  void Wake();
  void Shutdown();
  int64_t NextDeadline(const SchedEntry& e) const { return e.startNs + static_cast<int64_t>(e.k) * e.intervalNs; }
  void Patch(SchedEntry& e);
  void SendGroup(Lane& lane, Due* due, size_t n);
  void Push(int64_t deadline, const SchedEntry& e);
  void CompactQueue();
  void ReleaseSocket(uint64_t sockIno);

  PiMutex mu_;
  std::map<uint32_t, SchedEntry> entries_;
  std::map<uint64_t, SchedSocket> sockets_;  // socket inode -> shared dup
  std::vector<QItem> queue_;
  std::vector<QItem> fastQueue_;    // the fast entries' deadlines again, for lane 1 (same staleness rule)
  uint32_t nextId_ = 1;
  Lane lanes_[2];
  int nLanes_ = 0;
  std::atomic<bool> running_{false};
  Napi::ThreadSafeFunction tsfn_;
  bool tsfnLive_ = false;
  bool recordJitter_ = false;
  bool realtime_ = false;
  std::atomic<int> mlockErrno_{-1}; // -1 not tried, 0 stack locked, else why mlock was refused
  std::vector<int32_t> jitterNs_;  // send time - deadline, when recording
};

}  // namespace cfm
