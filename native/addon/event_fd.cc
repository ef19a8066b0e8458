// Event notification of a vendor shim (vendor C ABI group "event_fd", docs/vendor-abi.md 5b):
// the shim's fd becomes readable when hardware events or punted frames are pending (an eventfd
// its interrupt thread writes). We wait for it on the main libuv loop (uv_poll_t), so no thread
// and no timer polls a device with nothing to report.
//
// One-shot: when the fd is readable the watch stops and the callback runs; the caller drains
// the device (cfm_event_poll / cfm_frame_rx, which make the fd unreadable again once both queues
// are empty) and re-arms. A level-triggered watch left running would fire on every loop
// iteration while the drain - itself an asynchronous call on the thread pool - is under way.
//
// The fd belongs to the shim: we watch a dup() of it (libuv refuses two poll handles on one fd,
// and two backends may share one device) and close only the dup. Never read or written here.
//
//   eventFdWatch(fd, onReadable: (err?) => void) -> id     (not armed, unref'd)
//   eventFdArm(id)     start waiting (again)
//   eventFdClose(id)
//   eventFdReadable(fd, timeoutMs) -> boolean   (blocking poll(2): the conformance suite's check)
#include <napi.h>
#include <uv.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <unordered_map>

#include "event_fd.h"
#include "syserr.h"

namespace cfm {
namespace {

struct Watch {
  int fd = -1;  // our dup
  napi_env env = nullptr;
  uv_poll_t poll{};
  bool armed = false;
  napi_ref callback = nullptr;
  napi_async_context async = nullptr;
};

// id -> watch. The addon is used from the main thread only (one env).
std::unordered_map<uint32_t, Watch*>& Watches() {
  static std::unordered_map<uint32_t, Watch*> watches;
  return watches;
}
uint32_t next_id = 1;

Watch* Lookup(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) return nullptr;
  auto it = Watches().find(info[0].As<Napi::Number>().Uint32Value());
  return it == Watches().end() ? nullptr : it->second;
}

// The JavaScript callback inside a callback scope (promise jobs it queues run right after it).
void Deliver(Watch* w, napi_value err) {
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, global, result;
  if (napi_get_reference_value(env, w->callback, &fn) == napi_ok && fn != nullptr &&
      napi_get_global(env, &global) == napi_ok) {
    napi_value argv[1] = {err};
    napi_status st = napi_make_callback(env, w->async, global, fn, err ? 1 : 0, argv, &result);
    if (st == napi_pending_exception) {
      napi_value exc;
      if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
    }
  }
  napi_close_handle_scope(env, scope);
}

void OnReadable(uv_poll_t* handle, int status, int /*events*/) {
  Watch* w = static_cast<Watch*>(handle->data);
  uv_poll_stop(&w->poll);  // one-shot: re-armed after the drain
  w->armed = false;
  Napi::Env env(w->env);
  Napi::HandleScope scope(env);
  if (status < 0) {
    Deliver(w, SysError(env, -status, "uv_poll", "event fd").Value());
    return;
  }
  Deliver(w, nullptr);
}

void OnClosed(uv_handle_t* handle) {
  Watch* w = static_cast<Watch*>(handle->data);
  close(w->fd);
  delete w;
}

Napi::Value WatchFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsFunction())
    throw Napi::TypeError::New(env, "eventFdWatch(fd: number, onReadable: (err?: Error) => void)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (fd < 0) ThrowSys(env, EBADF, "eventFdWatch", "event fd");
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr)
    ThrowSys(env, EINVAL, "napi_get_uv_event_loop", "event fd");
  int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) ThrowSys(env, errno, "fcntl(F_DUPFD_CLOEXEC)", "event fd");
  Watch* w = new Watch();
  w->fd = dup_fd;
  w->env = env;
  int r = uv_poll_init(loop, &w->poll, dup_fd);
  if (r != 0) {
    close(dup_fd);
    delete w;
    ThrowSys(env, -r, "uv_poll_init", "event fd");
  }
  w->poll.data = w;
  uv_unref(reinterpret_cast<uv_handle_t*>(&w->poll));  // waiting for events keeps no process alive
  napi_create_reference(env, info[1], 1, &w->callback);
  napi_async_init(env, nullptr, Napi::String::New(env, "cfm:event-fd"), &w->async);
  uint32_t id = next_id++;
  Watches()[id] = w;
  return Napi::Number::New(env, id);
}

Napi::Value Arm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Watch* w = Lookup(info);
  if (w == nullptr) ThrowSys(env, EBADF, "eventFdArm", "event fd");
  if (!w->armed) {
    int r = uv_poll_start(&w->poll, UV_READABLE, OnReadable);
    if (r != 0) ThrowSys(env, -r, "uv_poll_start", "event fd");
    w->armed = true;
  }
  return env.Undefined();
}

Napi::Value CloseWatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Watch* w = Lookup(info);
  if (w == nullptr) return env.Undefined();  // closing twice is fine
  Watches().erase(info[0].As<Napi::Number>().Uint32Value());
  if (w->callback != nullptr) napi_delete_reference(env, w->callback);
  if (w->async != nullptr) napi_async_destroy(env, w->async);
  w->callback = nullptr;
  w->async = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&w->poll), OnClosed);
  return env.Undefined();
}

// Whether fd is readable within timeoutMs (0 = now). Blocks: for checks, not for the loop.
Napi::Value Readable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber())
    throw Napi::TypeError::New(env, "eventFdReadable(fd: number, timeoutMs: number)");
  pollfd p{info[0].As<Napi::Number>().Int32Value(), POLLIN, 0};
  int timeout = info[1].As<Napi::Number>().Int32Value();
  int r;
  while ((r = poll(&p, 1, timeout < 0 ? 0 : timeout)) < 0 && errno == EINTR) {
  }
  if (r < 0) ThrowSys(env, errno, "poll", "event fd");
  if (r > 0 && (p.revents & POLLNVAL)) ThrowSys(env, EBADF, "poll", "event fd");
  return Napi::Boolean::New(env, r > 0 && (p.revents & POLLIN) != 0);
}

}  // namespace

void InitEventFd(Napi::Env env, Napi::Object exports) {
  exports.Set("eventFdWatch", Napi::Function::New(env, WatchFd, "eventFdWatch"));
  exports.Set("eventFdArm", Napi::Function::New(env, Arm, "eventFdArm"));
  exports.Set("eventFdClose", Napi::Function::New(env, CloseWatch, "eventFdClose"));
  exports.Set("eventFdReadable", Napi::Function::New(env, Readable, "eventFdReadable"));
}

}  // namespace cfm
