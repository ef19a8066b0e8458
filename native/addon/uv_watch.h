// Heap libuv handles watching an fd for reads, the one shape the addon's fd watchers share: a
// packet socket (packet.cc), the receive hold group's epoll fd (packet_group.cc) and the loss
// deadline's timerfd (packet_deadline.cc). A closed handle is freed in its close callback: libuv
// may still touch it until that callback has run (uv_close).
#pragma once
#include <uv.h>

namespace cfm {

// Starts watching `fd` for reads on `loop`: the handle, its data = `owner`. nullptr when libuv
// refuses the fd, *err its (negative) error code; the caller still owns the fd either way.
inline uv_poll_t* WatchReadable(uv_loop_t* loop, int fd, void* owner, uv_poll_cb onReadable, int* err) {
  auto* p = new uv_poll_t;
  // uv_poll_init: on Unix also what uv_poll_init_socket does for a socket
  int r = uv_poll_init(loop, p, fd);
  *err = r;
  if (r != 0) {
    delete p;
    return nullptr;
  }
  p->data = owner;
  uv_poll_start(p, UV_READABLE, onReadable);
  return p;
}

// Closes a heap handle (any uv_*_t made with new), freed once libuv is done with it; h = nullptr.
template <typename Handle>
void CloseHandle(Handle*& h) {
  if (!h) return;
  uv_close(reinterpret_cast<uv_handle_t*>(h), [](uv_handle_t* u) { delete reinterpret_cast<Handle*>(u); });
  h = nullptr;
}

// Stops and closes a watch made by WatchReadable (nothing on nullptr); p = nullptr. A stopped
// handle calls back no more, so its owner may go at once.
inline void CloseWatch(uv_poll_t*& p) {
  if (!p) return;
  uv_poll_stop(p);
  p->data = nullptr;
  CloseHandle(p);
}

}  // namespace cfm
