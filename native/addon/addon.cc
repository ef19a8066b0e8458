// cfm-offload N-API addon: module init. packet.cc (AF_PACKET sockets), scheduler.cc (native
// CCM transmit scheduler) and, when present, netlink.cc (rtnetlink/genetlink, part B) and
// cpu_protection.cc (the native CPU-protection policer).
#include <napi.h>

#include "packet.h"
#include "scheduler.h"
#include "timer_probe.h"
#include "thread_priority.h"
#include "event_fd.h"
#if __has_include("netlink.h")
#include "netlink.h"
#define CFM_HAVE_NETLINK 1
#endif
#if __has_include("cpu_protection.h")
#include "cpu_protection.h"
#define CFM_HAVE_CPU_PROTECTION 1
#endif

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  cfm::PacketSocket::Init(env, exports);
  cfm::Scheduler::Init(env, exports);
  exports.Set("timerProbe", Napi::Function::New(env, cfm::TimerProbe, "timerProbe"));
  exports.Set("threadPriority", Napi::Function::New(env, cfm::ThreadPriority, "threadPriority"));
  cfm::InitEventFd(env, exports);  // a vendor shim's event fd on the libuv loop (issue 16)
#ifdef CFM_HAVE_NETLINK
  cfm::InitNetlink(env, exports);
  exports.Set("haveNetlink", Napi::Boolean::New(env, true));
#else
  exports.Set("haveNetlink", Napi::Boolean::New(env, false));
#endif
#ifdef CFM_HAVE_CPU_PROTECTION
  cfm::InitCpuProtection(env, exports);  // CpuPolicer (operator features, issue 7)
#endif
  // The eBPF datapath (issue 17) is the separate module cfm_bpf.node (native/bpf/), so this
  // addon never links libbpf and loads on a board without libbpf1.
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  return exports;
}

}  // namespace

NODE_API_MODULE(cfm_addon, Init)
