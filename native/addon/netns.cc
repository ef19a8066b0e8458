#include "netns.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <cerrno>

namespace cfm {

NetnsScope::NetnsScope(const std::string& name) {
  if (name.empty()) return;
  std::string path = name.find('/') == std::string::npos ? "/run/netns/" + name : name;
  int target = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    errno_ = errno;
    syscall_ = "open netns";
    return;
  }
  saved_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (saved_ < 0) {
    errno_ = errno;
    syscall_ = "open /proc/thread-self/ns/net";
    close(target);
    return;
  }
  if (setns(target, CLONE_NEWNET) != 0) {
    errno_ = errno;
    syscall_ = "setns";
    close(saved_);
    saved_ = -1;
  }
  close(target);
}

NetnsScope::~NetnsScope() {
  if (saved_ >= 0) {
    // Going back cannot reasonably fail (we were just there); if it did, the thread would stay
    // in the other namespace, so make that loud.
    if (setns(saved_, CLONE_NEWNET) != 0) abort();
    close(saved_);
  }
}

}  // namespace cfm
