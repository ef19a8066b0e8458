// interfaceInfo(name, netns?): what an operator or a test needs to know about an interface.
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "netns.h"
#include "packet.h"
#include "syserr.h"

namespace cfm {

Napi::Value InterfaceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "interfaceInfo(name: string, netns?: string)");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string netns = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  if (name.empty() || name.size() >= IFNAMSIZ) throw Napi::TypeError::New(env, "interfaceInfo: bad interface name '" + name + "'");
  NetnsScope ns(netns);
  if (ns.error()) ThrowSys(env, ns.error(), ns.syscall(), netns);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) ThrowSys(env, errno, "socket", name);
  ifreq ifr{};
  strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  Napi::Object o = Napi::Object::New(env);
  auto io = [&](unsigned long req, const char* what) {
    if (ioctl(fd, req, &ifr) != 0) {
      int e = errno;
      close(fd);
      ThrowSys(env, e, what, name);
    }
  };
  io(SIOCGIFINDEX, "ioctl SIOCGIFINDEX");
  o.Set("ifindex", Napi::Number::New(env, ifr.ifr_ifindex));
  io(SIOCGIFHWADDR, "ioctl SIOCGIFHWADDR");
  o.Set("mac", Napi::String::New(env, MacString(reinterpret_cast<uint8_t*>(ifr.ifr_hwaddr.sa_data))));
  io(SIOCGIFMTU, "ioctl SIOCGIFMTU");
  o.Set("mtu", Napi::Number::New(env, ifr.ifr_mtu));
  io(SIOCGIFFLAGS, "ioctl SIOCGIFFLAGS");
  o.Set("up", Napi::Boolean::New(env, (ifr.ifr_flags & IFF_UP) != 0));
  o.Set("running", Napi::Boolean::New(env, (ifr.ifr_flags & IFF_RUNNING) != 0));
  close(fd);
  return o;
}

}  // namespace cfm
