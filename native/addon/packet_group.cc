#include "packet_group.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>

#include "mono_clock.h"
#include "packet.h"
#include "uv_watch.h"

namespace cfm {

namespace {

// Wakeups are counted over this long before the group decides to hold.
constexpr double kPeriodNs = 500e6;
// Hold when the loop was woken at least this often per hold: below it a hold's timer wakeup
// would cost as much as the frame wakeups it saves (one CCM per wakeup at 1 session, issue 17).
constexpr double kMinWakeupsPerHold = 1.5;
// Empty holds in a row before watching the sockets again (frames stopped or slowed down).
constexpr int kEmptyTicksToWatch = 2;
constexpr int kMaxEvents = 64;

thread_local RxGroup* tGroup = nullptr;
thread_local bool tInScope = false;
thread_local uv_loop_t* tLoop = nullptr;

}  // namespace

RxGroup* RxGroup::ForLoop(uv_loop_t* loop) {
  if (!tGroup || tLoop != loop) {
    tGroup = new RxGroup(loop);  // one per thread, lives as long as the thread
    tLoop = loop;
  }
  return tGroup;
}

int RxGroup::Add(PacketSocket* s, int fd, double holdNs) {
  if (epfd_ < 0) {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) return -errno;
    int r = 0;
    poll_ = WatchReadable(loop_, epfd_, this, &RxGroup::OnPoll, &r);
    if (!poll_) {
      close(epfd_);
      epfd_ = -1;
      return r;
    }
    timer_ = new uv_timer_t;
    uv_timer_init(loop_, timer_);
    timer_->data = this;
    holding_ = false;
    holdWanted_ = false;
    periodStartNs_ = static_cast<double>(MonoNs());
    periodWakeups_ = 0;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    int e = errno;
    CloseIfEmpty();
    return -e;
  }
  members_[fd] = Member{s, holdNs};
  return 0;
}

void RxGroup::SetHold(int fd, double holdNs) {
  auto it = members_.find(fd);
  if (it != members_.end()) it->second.holdNs = holdNs;
}

void RxGroup::Remove(int fd) {
  auto it = members_.find(fd);
  if (it == members_.end()) return;
  members_.erase(it);
  if (epfd_ >= 0) {
    epoll_event ev{};
    epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ev);
  }
  CloseIfEmpty();
}

// The last member gone: close the handles, so the group keeps no loop (or worker) alive.
void RxGroup::CloseIfEmpty() {
  if (!members_.empty() || epfd_ < 0) return;
  CloseWatch(poll_);
  uv_timer_stop(timer_);
  CloseHandle(timer_);
  close(epfd_);
  epfd_ = -1;
  holding_ = false;
}

// The shortest hold any member allows.
double RxGroup::HoldNs() const {
  double h = INFINITY;
  for (const auto& [fd, m] : members_) h = std::fmin(h, m.holdNs);
  return std::isfinite(h) ? h : 0;
}

bool RxGroup::InCallbackScope() { return tInScope; }

// Read every ready member once (its JS handler runs per batch). A handler may close or re-hold
// any socket, so members are looked up by fd after each.
uint64_t RxGroup::DrainReady() {
  uint64_t frames = 0;
  epoll_event evs[kMaxEvents];
  for (int round = 0; round < 4 && epfd_ >= 0; round++) {
    int n = epoll_wait(epfd_, evs, kMaxEvents, 0);
    if (n <= 0) break;
    if (n == 1 || tInScope) {
      frames += DrainEvents(evs, n);
    } else {
      // several sockets ready: one callback scope (async context, microtasks, ticks) for all
      auto first = members_.find(evs[0].data.fd);
      if (first == members_.end()) first = members_.begin();
      Napi::Env env = first->second.socket->Env();
      Napi::HandleScope hs(env);
      if (!asyncCtx_) asyncCtx_ = std::make_unique<Napi::AsyncContext>(env, "cfm.PacketSocketGroup");
      {
        Napi::CallbackScope scope(env, *asyncCtx_);
        tInScope = true;
        frames += DrainEvents(evs, n);
        tInScope = false;
      }
    }
    if (n < kMaxEvents) break;
  }
  return frames;
}

uint64_t RxGroup::DrainEvents(const epoll_event* evs, int n) {
  uint64_t frames = 0;
  for (int i = 0; i < n && epfd_ >= 0; i++) {
    auto it = members_.find(evs[i].data.fd);
    if (it == members_.end()) continue;
    frames += it->second.socket->DrainCounted(evs[i].data.fd);
  }
  return frames;
}

void RxGroup::OnPoll(uv_poll_t* h, int status, int events) {
  auto* g = static_cast<RxGroup*>(h->data);
  if (status < 0) {  // an epoll fd reports no error of its own; keep watching
    if (g->poll_) uv_poll_start(g->poll_, UV_READABLE, &RxGroup::OnPoll);
    return;
  }
  g->DrainReady();
  if (g->epfd_ < 0) return;
  double now = static_cast<double>(MonoNs());
  g->periodWakeups_++;
  double elapsed = now - g->periodStartNs_;
  if (elapsed >= kPeriodNs) {
    double hold = g->HoldNs();
    g->holdWanted_ = hold > 0 && g->periodWakeups_ * hold / elapsed >= kMinWakeupsPerHold;
    g->periodStartNs_ = now;
    g->periodWakeups_ = 0;
  }
  if (g->holdWanted_) g->EnterHold();
}

void RxGroup::EnterHold() {
  double hold = HoldNs();
  if (hold <= 0) return Watch();
  if (!holding_) uv_poll_stop(poll_);
  holding_ = true;
  // libuv timers count whole milliseconds: round down so no frame waits longer than its hold
  uint64_t ms = static_cast<uint64_t>(hold / 1e6);
  uv_timer_start(timer_, &RxGroup::OnTimer, ms < 1 ? 1 : ms, 0);
}

void RxGroup::Watch() {
  if (holding_ && poll_) uv_poll_start(poll_, UV_READABLE, &RxGroup::OnPoll);
  holding_ = false;
  holdWanted_ = false;
  periodStartNs_ = static_cast<double>(MonoNs());
  periodWakeups_ = 0;
}

void RxGroup::OnTimer(uv_timer_t* t) {
  auto* g = static_cast<RxGroup*>(t->data);
  g->holdWakeups_++;
  uint64_t n = g->DrainReady();
  if (g->epfd_ < 0) return;
  if (n > 0) g->emptyTicks_ = 0;
  if (n == 0 && ++g->emptyTicks_ >= kEmptyTicksToWatch) {
    g->emptyTicks_ = 0;
    g->Watch();
    return;
  }
  g->EnterHold();
}

}  // namespace cfm
