// Netlink sockets for the N-API addon. See netlink.h for the JavaScript surface.
//
// Why native at all: Node has no AF_NETLINK sockets. Why so little: encoding and decoding of
// netlink messages lives in TypeScript (src/netlink/) where it is unit-tested byte for byte;
// here we only move datagrams. Received datagrams are read on the main libuv loop (uv_poll_t,
// non-blocking socket) and handed to JavaScript in batches, so no thread ever touches V8
// off the main thread.
#include "netlink.h"
#include "netns.h"
#include "syserr.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <string>
#include <unordered_map>
#include <vector>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_ADD_MEMBERSHIP
#define NETLINK_ADD_MEMBERSHIP 1
#endif

namespace cfm {
namespace {

// At most this many datagrams per JavaScript call: keeps one busy socket from starving the loop.
constexpr int kMaxBatch = 64;

struct NlSocket {
  int fd = -1;
  napi_env env = nullptr;
  uv_poll_t poll{};
  bool started = false;
  bool ref = true;
  napi_ref callback = nullptr;
  napi_async_context async = nullptr;
};

// fd -> socket. The addon is used from the main thread only (one env).
std::unordered_map<int, NlSocket*>& Sockets() {
  static std::unordered_map<int, NlSocket*> sockets;
  return sockets;
}

// Errors carry errno / syscall / code like the rest of the addon (syserr.h). Thrown with
// ThrowAsJavaScriptException + return, which works with and without C++ exceptions.
Napi::Error ErrnoError(Napi::Env env, const std::string& what, int err) {
  return SysError(env, err, what, "netlink");
}

Napi::Value ThrowErrno(Napi::Env env, const std::string& what, int err) {
  ErrnoError(env, what, err).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowType(Napi::Env env, const char* msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

bool ArgInt(const Napi::CallbackInfo& info, size_t i, int64_t* out) {
  if (info.Length() <= i || !info[i].IsNumber()) return false;
  *out = info[i].As<Napi::Number>().Int64Value();
  return true;
}

NlSocket* Lookup(int fd) {
  auto it = Sockets().find(fd);
  return it == Sockets().end() ? nullptr : it->second;
}

// Calls the JavaScript batch callback inside a callback scope (so promise jobs it queues run
// right after it, like any Node I/O callback). An exception it throws becomes an uncaught
// exception of the process, as for any other I/O callback.
void Deliver(NlSocket* s, napi_value err, napi_value batch) {
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, global, result;
  if (napi_get_reference_value(env, s->callback, &fn) == napi_ok && fn != nullptr &&
      napi_get_global(env, &global) == napi_ok) {
    napi_value argv[2] = {err, batch};
    napi_status st = napi_make_callback(env, s->async, global, fn, 2, argv, &result);
    if (st == napi_pending_exception) {
      napi_value exc;
      if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
    }
  }
  napi_close_handle_scope(env, scope);
}

void OnReadable(uv_poll_t* handle, int status, int /*events*/) {
  NlSocket* s = static_cast<NlSocket*>(handle->data);
  Napi::Env env(s->env);
  Napi::HandleScope scope(env);
  if (status < 0) {
    Deliver(s, ErrnoError(env, "netlink poll", -status).Value(), env.Undefined());
    return;
  }
  Napi::Array batch = Napi::Array::New(env);
  uint32_t n = 0;
  int failure = 0;
  std::vector<uint8_t> buf;
  for (int i = 0; i < kMaxBatch; i++) {
    // Peek the true datagram length first (MSG_TRUNC), so a large dump part is never cut.
    ssize_t len = recv(s->fd, nullptr, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
    if (len < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) failure = errno;
      // ENOBUFS (the kernel dropped notifications for us) is reported once and cleared.
      if (failure == ENOBUFS) recv(s->fd, nullptr, 0, MSG_DONTWAIT);
      break;
    }
    buf.resize(len > 0 ? static_cast<size_t>(len) : 1);
    ssize_t got = recv(s->fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) failure = errno;
      break;
    }
    batch.Set(n++, Napi::Buffer<uint8_t>::Copy(env, buf.data(), static_cast<size_t>(got)));
  }
  if (n > 0) Deliver(s, env.Null(), batch);
  // The socket may have been closed by the callback above.
  if (failure != 0 && Lookup(s->fd) == s) {
    Deliver(s, ErrnoError(env, "netlink recv", failure).Value(), Napi::Array::New(env));
  }
}

void OnClosed(uv_handle_t* handle) {
  NlSocket* s = static_cast<NlSocket*>(handle->data);
  delete s;
}

void Release(NlSocket* s) {
  if (s->callback != nullptr) napi_delete_reference(s->env, s->callback);
  if (s->async != nullptr) napi_async_destroy(s->env, s->async);
  s->callback = nullptr;
  s->async = nullptr;
}

// netlinkOpen(protocol, groups, netnsPath?) -> { fd, portId }
Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t protocol, groups;
  if (!ArgInt(info, 0, &protocol) || !ArgInt(info, 1, &groups)) {
    return ThrowType(env, "netlinkOpen(protocol: number, groups: number, netns?: string)");
  }
  std::string netns;
  if (info.Length() > 2 && info[2].IsString()) netns = info[2].As<Napi::String>().Utf8Value();

  // A netlink socket belongs to the network namespace it is created in: switch this thread
  // into the target namespace only for the socket() call ("" = current, "x" = /run/netns/x).
  int fd = -1, sockErr = 0;
  {
    NetnsScope ns(netns);
    if (ns.error() != 0) return ThrowErrno(env, std::string("netlinkOpen: ") + ns.syscall() + " " + netns, ns.error());
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, static_cast<int>(protocol));
    sockErr = errno;
  }
  if (fd < 0) return ThrowErrno(env, "netlinkOpen: socket", sockErr);

  int one = 1;
  // Extended ack: the kernel explains EINVAL & co. in a string (NLMSGERR_ATTR_MSG).
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  int rcvbuf = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = static_cast<uint32_t>(groups);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    int e = errno;
    close(fd);
    return ThrowErrno(env, "netlinkOpen: bind", e);
  }
  socklen_t alen = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) < 0) {
    int e = errno;
    close(fd);
    return ThrowErrno(env, "netlinkOpen: getsockname", e);
  }
  NlSocket* s = new NlSocket();
  s->fd = fd;
  s->env = env;
  Sockets()[fd] = s;

  Napi::Object out = Napi::Object::New(env);
  out.Set("fd", Napi::Number::New(env, fd));
  out.Set("portId", Napi::Number::New(env, addr.nl_pid));
  return out;
}

// netlinkSend(fd, datagram) -> bytes sent. Netlink to the kernel is synchronous: the request
// has been processed (or queued as a dump) when sendto returns.
Napi::Value Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t fd;
  if (!ArgInt(info, 0, &fd) || info.Length() < 2 || !info[1].IsTypedArray()) {
    return ThrowType(env, "netlinkSend(fd: number, datagram: Uint8Array)");
  }
  if (Lookup(static_cast<int>(fd)) == nullptr) return ThrowErrno(env, "netlinkSend", EBADF);
  Napi::TypedArray ta = info[1].As<Napi::TypedArray>();
  const uint8_t* data = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t r;
  do {
    r = sendto(static_cast<int>(fd), data, ta.ByteLength(), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return ThrowErrno(env, "netlinkSend", errno);
  return Napi::Number::New(env, static_cast<double>(r));
}

// netlinkStart(fd, onBatch)
Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t fd;
  if (!ArgInt(info, 0, &fd) || info.Length() < 2 || !info[1].IsFunction()) {
    return ThrowType(env, "netlinkStart(fd: number, onBatch: (err, datagrams) => void)");
  }
  NlSocket* s = Lookup(static_cast<int>(fd));
  if (s == nullptr) return ThrowErrno(env, "netlinkStart", EBADF);
  if (s->started) return ThrowErrno(env, "netlinkStart: already started", EBUSY);
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    return ThrowErrno(env, "netlinkStart: no event loop", EINVAL);
  }
  napi_create_reference(env, info[1], 1, &s->callback);
  napi_async_init(env, nullptr, Napi::String::New(env, "cfm:netlink"), &s->async);
  int r = uv_poll_init(loop, &s->poll, s->fd);
  if (r == 0) {
    s->poll.data = s;
    r = uv_poll_start(&s->poll, UV_READABLE, OnReadable);
  }
  if (r != 0) {
    Release(s);
    return ThrowErrno(env, "netlinkStart: uv_poll", -r);
  }
  s->started = true;
  if (!s->ref) uv_unref(reinterpret_cast<uv_handle_t*>(&s->poll));
  return env.Undefined();
}

// netlinkSetRef(fd, ref): a listener that only waits for notifications should not keep the
// process alive; one waiting for a reply must.
Napi::Value SetRef(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t fd;
  if (!ArgInt(info, 0, &fd) || info.Length() < 2 || !info[1].IsBoolean()) {
    return ThrowType(env, "netlinkSetRef(fd: number, ref: boolean)");
  }
  NlSocket* s = Lookup(static_cast<int>(fd));
  if (s == nullptr) return ThrowErrno(env, "netlinkSetRef", EBADF);
  s->ref = info[1].As<Napi::Boolean>().Value();
  if (s->started) {
    uv_handle_t* h = reinterpret_cast<uv_handle_t*>(&s->poll);
    if (s->ref) uv_ref(h); else uv_unref(h);
  }
  return env.Undefined();
}

// netlinkAddMembership(fd, group): groups above 32 (and genetlink multicast groups) can only
// be joined this way, not through bind's bitmask.
Napi::Value AddMembership(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t fd, group;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &group)) {
    return ThrowType(env, "netlinkAddMembership(fd: number, group: number)");
  }
  if (Lookup(static_cast<int>(fd)) == nullptr) return ThrowErrno(env, "netlinkAddMembership", EBADF);
  int g = static_cast<int>(group);
  if (setsockopt(static_cast<int>(fd), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof g) < 0) {
    return ThrowErrno(env, "netlinkAddMembership", errno);
  }
  return env.Undefined();
}

// netlinkClose(fd): idempotent.
Napi::Value Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t fd;
  if (!ArgInt(info, 0, &fd)) return ThrowType(env, "netlinkClose(fd: number)");
  NlSocket* s = Lookup(static_cast<int>(fd));
  if (s == nullptr) return env.Undefined();
  Sockets().erase(s->fd);
  Release(s);
  if (s->started) {
    uv_poll_stop(&s->poll);
    close(s->fd);
    uv_close(reinterpret_cast<uv_handle_t*>(&s->poll), OnClosed);
  } else {
    close(s->fd);
    delete s;
  }
  return env.Undefined();
}

}  // namespace

Napi::Object InitNetlink(Napi::Env env, Napi::Object exports) {
  exports.Set("netlinkOpen", Napi::Function::New(env, Open, "netlinkOpen"));
  exports.Set("netlinkSend", Napi::Function::New(env, Send, "netlinkSend"));
  exports.Set("netlinkStart", Napi::Function::New(env, Start, "netlinkStart"));
  exports.Set("netlinkSetRef", Napi::Function::New(env, SetRef, "netlinkSetRef"));
  exports.Set("netlinkAddMembership", Napi::Function::New(env, AddMembership, "netlinkAddMembership"));
  exports.Set("netlinkClose", Napi::Function::New(env, Close, "netlinkClose"));
  return exports;
}

}  // namespace cfm
