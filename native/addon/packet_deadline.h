// The AF_PACKET datapath's loss deadline (issue 17: LOC reported within one interval + 1 ms of
// its stamp). The checkers' earliest rMEPwhile / errorCCMwhile expiry (802.1Q 20.20, 20.21) was a
// JavaScript setTimeout: libuv timers count whole milliseconds on a cached loop time and fire up
// to 1-2 ms late, more than a 3.33 ms interval's budget. Here it is a timerfd (CLOCK_MONOTONIC,
// TFD_TIMER_ABSTIME: the same clock as process.hrtime and the frames' kernel stamps) watched by a
// uv_poll on the libuv loop: the kernel's hrtimer wakes the loop at the deadline to the
// microsecond. The JavaScript callback then reads the sockets (CcmChecker.check -> flush) before
// it decides, so a CCM that arrived before the deadline is never a loss.
//
//   new PacketDeadline(onDue: () => void)   unref'd: a pending deadline keeps no process alive
//   arm(atNs)    due at CLOCK_MONOTONIC atNs (a past time: at once); 0 or Infinity: disarmed
//   close()
#pragma once
#include <napi.h>
#include <uv.h>

#include <memory>

namespace cfm {

class PacketDeadline : public Napi::ObjectWrap<PacketDeadline> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit PacketDeadline(const Napi::CallbackInfo& info);
  ~PacketDeadline() override;

 private:
  Napi::Value Arm(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  static void OnDue(uv_poll_t* handle, int status, int events);
  void Shut();

  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;  // heap: freed in its close callback
  Napi::FunctionReference onDue_;
  std::unique_ptr<Napi::AsyncContext> asyncCtx_;
  uint64_t fired_ = 0;
};

}  // namespace cfm
