// Receive hold for AF_PACKET sockets (issue 17: CPU per CCM at few sessions). The sockets of one
// JS thread that accept a hold share one epoll set, watched by a single uv_poll on the libuv loop.
// While frames keep arriving at a rate that would wake the loop more than about once per hold,
// the group stops watching after a wakeup and reads every ready socket once per hold (a uv_timer)
// instead: one loop wakeup per hold, however many ports and CCMs. Continuity is judged on each
// frame's kernel receive time (SO_TIMESTAMPNS), not on when it was read, so a hold delays only the
// moment a frame's change is reported (by at most the hold), never its LOC verdict; a LOC timer
// that fires reads the socket itself first (PacketSocket::poll).
#pragma once
#include <napi.h>
#include <sys/epoll.h>
#include <uv.h>

#include <cstdint>
#include <map>
#include <memory>

namespace cfm {

class PacketSocket;

class RxGroup {
 public:
  // The group of `loop` (one per JS thread), created on first use.
  static RxGroup* ForLoop(uv_loop_t* loop);

  // Join with the longest wait allowed for this socket's frames (ns, > 0). Returns 0 or -errno.
  int Add(PacketSocket* s, int fd, double holdNs);
  void SetHold(int fd, double holdNs);
  void Remove(int fd);

  uint64_t holdWakeups() const { return holdWakeups_; }
  // True while the group reads several sockets in one callback scope (PacketSocket::Drain then
  // calls JS plainly instead of one MakeCallback, with its microtask checkpoint, per socket).
  static bool InCallbackScope();

 private:
  explicit RxGroup(uv_loop_t* loop) : loop_(loop) {}
  struct Member {
    PacketSocket* socket;
    double holdNs;
  };
  static void OnPoll(uv_poll_t* h, int status, int events);
  static void OnTimer(uv_timer_t* t);
  uint64_t DrainReady();
  uint64_t DrainEvents(const epoll_event* evs, int n);
  double HoldNs() const;
  void EnterHold();
  void Watch();
  void CloseIfEmpty();

  uv_loop_t* loop_;
  int epfd_ = -1;
  uv_poll_t* poll_ = nullptr;    // on epfd_; heap, freed in its close callback
  uv_timer_t* timer_ = nullptr;  // the hold; heap, freed in its close callback
  std::map<int, Member> members_;
  std::unique_ptr<Napi::AsyncContext> asyncCtx_;  // for the shared callback scope; lives with the thread
  bool holding_ = false;
  bool holdWanted_ = false;
  int emptyTicks_ = 0;
  double periodStartNs_ = 0;
  uint64_t periodWakeups_ = 0;
  uint64_t holdWakeups_ = 0;
};

}  // namespace cfm
