#include "packet_deadline.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>

#include "syserr.h"
#include "uv_watch.h"

namespace cfm {

void PacketDeadline::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function f = DefineClass(env, "PacketDeadline",
                                 {
                                     InstanceMethod("arm", &PacketDeadline::Arm),
                                     InstanceMethod("close", &PacketDeadline::Close),
                                 });
  exports.Set("PacketDeadline", f);
}

PacketDeadline::PacketDeadline(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PacketDeadline>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "PacketDeadline(onDue: function)");
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr)
    ThrowSys(env, EINVAL, "napi_get_uv_event_loop", "loss deadline");
  fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd_ < 0) ThrowSys(env, errno, "timerfd_create", "loss deadline");
  int r = 0;
  poll_ = WatchReadable(loop, fd_, this, &PacketDeadline::OnDue, &r);
  if (!poll_) {
    close(fd_);
    fd_ = -1;
    ThrowSys(env, -r, "uv_poll_init", "loss deadline");
  }
  uv_unref(reinterpret_cast<uv_handle_t*>(poll_));  // like an unref'd setTimeout
  onDue_ = Napi::Persistent(info[0].As<Napi::Function>());
  asyncCtx_ = std::make_unique<Napi::AsyncContext>(env, "cfm.PacketDeadline");
}

PacketDeadline::~PacketDeadline() { Shut(); }

void PacketDeadline::Shut() {
  CloseWatch(poll_);
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
}

Napi::Value PacketDeadline::Arm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "arm(atNs: number)");
  double at = info[0].As<Napi::Number>().DoubleValue();
  if (std::isnan(at) || at < 0) throw Napi::RangeError::New(env, "arm: atNs must be a CLOCK_MONOTONIC time in ns (>= 0)");
  if (fd_ < 0) return env.Undefined();  // closed: nothing to arm
  itimerspec its{};
  if (at > 0 && std::isfinite(at)) {
    // an all-zero it_value disarms: a deadline at or before the epoch is due at once, so 1 ns
    uint64_t ns = at < 1 ? 1 : static_cast<uint64_t>(at);
    its.it_value.tv_sec = static_cast<time_t>(ns / 1000000000ull);
    its.it_value.tv_nsec = static_cast<long>(ns % 1000000000ull);
  }
  if (timerfd_settime(fd_, TFD_TIMER_ABSTIME, &its, nullptr) != 0) ThrowSys(env, errno, "timerfd_settime", "loss deadline");
  return env.Undefined();
}

Napi::Value PacketDeadline::Close(const Napi::CallbackInfo& info) {
  Shut();
  onDue_.Reset();
  return info.Env().Undefined();
}

void PacketDeadline::OnDue(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<PacketDeadline*>(handle->data);
  if (!self || self->fd_ < 0) return;
  uint64_t expirations = 0;
  // clears the readable state; EAGAIN: re-armed (or disarmed) after it became readable
  ssize_t n = read(self->fd_, &expirations, sizeof expirations);
  if (status < 0 || n != static_cast<ssize_t>(sizeof expirations) || self->onDue_.IsEmpty()) return;
  self->fired_++;
  Napi::Env env = self->onDue_.Env();
  Napi::HandleScope hs(env);
  // a callback scope: the checks' events and the promise jobs they queue run before the loop
  // goes on (as for a timer callback)
  try {
    self->onDue_.MakeCallback(self->Value(), {}, *self->asyncCtx_);
  } catch (const Napi::Error& e) {
    napi_fatal_exception(env, e.Value());  // a throwing JS handler is a bug in JS: uncaught
  }
}

}  // namespace cfm
