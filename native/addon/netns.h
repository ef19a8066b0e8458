// Enter a network namespace for the duration of a scope (socket creation, ifindex lookup).
// A socket keeps the namespace it was created in, so the main thread switches, opens, and
// switches back; no thread lives in another namespace.
#pragma once
#include <string>

namespace cfm {

class NetnsScope {
 public:
  // name: "" = stay in the current namespace; "x" = /run/netns/x; anything with '/' = a path.
  // On failure: errno_ != 0 and syscall_ names the call; nothing was changed.
  explicit NetnsScope(const std::string& name);
  ~NetnsScope();
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;
  int error() const { return errno_; }
  const char* syscall() const { return syscall_; }

 private:
  int saved_ = -1;
  int errno_ = 0;
  const char* syscall_ = "";
};

}  // namespace cfm
