// Event notification fd of a vendor shim, waited for on the libuv loop (event_fd.cc).
#pragma once
#include <napi.h>

namespace cfm {

// eventFdWatch / eventFdArm / eventFdClose
void InitEventFd(Napi::Env env, Napi::Object exports);

}  // namespace cfm
