#include "packet.h"

#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "netns.h"
#include "packet_deadline.h"
#include "packet_group.h"
#include "packet_open.h"
#include "syserr.h"
#include "uv_watch.h"

namespace cfm {

std::string MacString(const uint8_t* m) {
  char b[18];
  snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return b;
}

namespace {

std::string OptString(const Napi::Object& o, const char* key) {
  if (!o.Has(key)) return "";
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
}

bool OptBool(const Napi::Object& o, const char* key, bool dflt) {
  if (!o.Has(key)) return dflt;
  Napi::Value v = o.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : dflt;
}

}  // namespace

Napi::Object PacketSocket::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function f = DefineClass(env, "PacketSocket",
                                 {
                                     InstanceMethod("send", &PacketSocket::Send),
                                     InstanceMethod("sendBatch", &PacketSocket::SendBatch),
                                     InstanceMethod("start", &PacketSocket::Start),
                                     InstanceMethod("stop", &PacketSocket::Stop),
                                     InstanceMethod("poll", &PacketSocket::Poll),
                                     InstanceMethod("close", &PacketSocket::Close),
                                     InstanceMethod("stats", &PacketSocket::Stats),
                                     InstanceMethod("setRxHold", &PacketSocket::SetRxHold),
                                     InstanceAccessor("fd", &PacketSocket::GetFd, nullptr),
                                     InstanceAccessor("ifindex", &PacketSocket::GetIfindex, nullptr),
                                     InstanceAccessor("mac", &PacketSocket::GetMac, nullptr),
                                 });
  exports.Set("PacketSocket", f);
  exports.Set("interfaceInfo", Napi::Function::New(env, InterfaceInfo, "interfaceInfo"));
  PacketDeadline::Init(env, exports);  // the checkers' loss deadline (packet_deadline.h)
  return exports;
}

// new PacketSocket(ifname, { netns?, membership?, rcvbufBytes? }, onFrames)
// onFrames(data: Buffer, lengths: Uint32Array, count: number, readMonoNs: number,
//          arrivalMonoNs: Float64Array /* per frame: kernel receive time, CLOCK_MONOTONIC */)
PacketSocket::PacketSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PacketSocket>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsObject() || !info[2].IsFunction())
    throw Napi::TypeError::New(env, "PacketSocket(ifname: string, options: object, onFrames: function)");
  ifname_ = info[0].As<Napi::String>().Utf8Value();
  Napi::Object opts = info[1].As<Napi::Object>();
  std::string netns = OptString(opts, "netns");
  bool membership = OptBool(opts, "membership", true);
  // receive: false = a transmit-only socket (the eBPF datapath receives): bound to protocol 0,
  // it is on no receive list, so the kernel never queues or filters a frame for it.
  bool receive = OptBool(opts, "receive", true);
  receive_ = receive;
  int rcvbuf = opts.Has("rcvbufBytes") && opts.Get("rcvbufBytes").IsNumber()
                   ? opts.Get("rcvbufBytes").As<Napi::Number>().Int32Value() : 0;
  onFrames_ = Napi::Persistent(info[2].As<Napi::Function>());
  if (ifname_.empty() || ifname_.size() >= IFNAMSIZ)
    throw Napi::TypeError::New(env, "PacketSocket: interface name '" + ifname_ + "' is empty or too long");

  NetnsScope ns(netns);
  if (ns.error()) ThrowSys(env, ns.error(), ns.syscall(), netns);

  unsigned idx = if_nametoindex(ifname_.c_str());
  if (idx == 0) ThrowSys(env, errno, "if_nametoindex", ifname_);
  ifindex_ = static_cast<int>(idx);
  // split (default): CCMs on a socket of their own, every other CFM frame on a second one, so a
  // flood of LBMs / LTMs / Y.1731 PDUs cannot overflow the queue the CCMs wait in (issue 17,
  // continuity under a flood). A flood of CCMs still shares the CCM socket.
  bool split = receive && OptBool(opts, "splitCcm", true);
  RxOpen o{ifindex_, receive, rcvbuf};
  const char* call = nullptr;
  int fd = OpenRxSocket(o, split ? CfmPart::kCcm : CfmPart::kAll, membership, &call);
  if (fd < 0) ThrowSys(env, -fd, call, ifname_);
  if (split) {
    // no membership: the NIC's multicast list is per device, the first socket's join serves both
    int other = OpenRxSocket(o, CfmPart::kNotCcm, false, &call);
    if (other < 0) {
      close(fd);
      ThrowSys(env, -other, call, ifname_);
    }
    otherFd_ = other;
  }
  ifreq ifr{};
  strncpy(ifr.ifr_name, ifname_.c_str(), IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0) memcpy(mac_, ifr.ifr_hwaddr.sa_data, 6);
  fd_ = fd;
}

PacketSocket::~PacketSocket() {
  // The poll handle holds `self_`, so when we get here it is already closed; just the fd.
  if (fd_ >= 0) close(fd_);
  if (otherFd_ >= 0) close(otherFd_);
}

void PacketSocket::CheckOpen(Napi::Env env) const {
  if (fd_ < 0) ThrowSys(env, EBADF, "send", ifname_ + " (socket closed)");
}

Napi::Value PacketSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (info.Length() < 1 || !info[0].IsTypedArray()) throw Napi::TypeError::New(env, "send(frame: Uint8Array)");
  Napi::Uint8Array b = info[0].As<Napi::Uint8Array>();
  ssize_t n = send(fd_, b.Data(), b.ByteLength(), 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == ENOBUFS) {
      txErrors_++;
      return Napi::Boolean::New(env, false);
    }
    txErrors_++;
    ThrowSys(env, errno, "send", ifname_);
  }
  txFrames_++;
  return Napi::Boolean::New(env, true);
}

// sendBatch(frames: Uint8Array[]) -> number sent (sendmmsg; stops at the first EAGAIN)
Napi::Value PacketSocket::SendBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "sendBatch(frames: Uint8Array[])");
  Napi::Array arr = info[0].As<Napi::Array>();
  uint32_t n = arr.Length();
  std::vector<iovec> iov(n);
  std::vector<mmsghdr> msgs(n);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsTypedArray()) throw Napi::TypeError::New(env, "sendBatch: every frame must be a Uint8Array");
    Napi::Uint8Array b = v.As<Napi::Uint8Array>();
    iov[i] = iovec{b.Data(), b.ByteLength()};
    msgs[i] = mmsghdr{};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  uint32_t done = 0;
  while (done < n) {
    int r = sendmmsg(fd_, msgs.data() + done, n - done, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == ENOBUFS) break;
      txErrors_++;
      ThrowSys(env, errno, "sendmmsg", ifname_);
    }
    done += static_cast<uint32_t>(r);
  }
  txFrames_ += done;
  return Napi::Number::New(env, done);
}

Napi::Value PacketSocket::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (receiving_ || !receive_) return env.Undefined();
  if (!asyncCtx_) asyncCtx_ = std::make_unique<Napi::AsyncContext>(env, "cfm.PacketSocket");
  if (holdNs_ > 0) {
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "no libuv loop");
    RxGroup* g = RxGroup::ForLoop(loop);
    int r = AddToGroup(g, holdNs_);
    if (r != 0) ThrowSys(env, -r, "epoll_ctl", ifname_);
    group_ = g;
    if (otherFd_ >= 0) otherPoll_ = NewPoll(env, otherFd_);
  } else {
    StartOwnPoll(env);
  }
  receiving_ = true;
  self_ = Napi::Persistent(Value());
  return env.Undefined();
}

void PacketSocket::StartOwnPoll(Napi::Env env) {
  poll_ = NewPoll(env, fd_);
  if (otherFd_ >= 0) otherPoll_ = NewPoll(env, otherFd_);
}

uv_poll_t* PacketSocket::NewPoll(Napi::Env env, int fd) {
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "no libuv loop");
  int r = 0;
  uv_poll_t* p = WatchReadable(loop, fd, this, &PacketSocket::OnPoll, &r);
  if (!p) ThrowSys(env, -r, "uv_poll_init", ifname_);
  return p;
}

// The CCM socket into the group (0 or -errno). Only CCMs are held: the other CFM frames (LBM,
// LTM, DMM, ...) keep their own poll and are read at once, so a reply (LBR, LTR, DMR) or a
// loopback's RTT never waits for a hold; they are few except in a flood, which the hold would not
// make cheaper to drop anyway.
int PacketSocket::AddToGroup(RxGroup* g, double holdNs) {
  return g->Add(this, fd_, holdNs);
}

// setRxHold(holdNs): the longest this socket's frames may wait to be read (0 = at once). > 0 puts
// the socket in its thread's receive hold group (packet_group.h), where all such sockets are read
// together, at most once per the shortest hold of the group while frames keep coming.
Napi::Value PacketSocket::SetRxHold(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "setRxHold(holdNs: number)");
  double ns = info[0].As<Napi::Number>().DoubleValue();
  if (!(ns >= 0) || ns > 1e9) throw Napi::RangeError::New(env, "setRxHold: holdNs must be 0..1e9");
  bool wasGroup = group_ != nullptr;
  holdNs_ = ns;
  if (!receiving_ || fd_ < 0) return env.Undefined();
  if (wasGroup && ns > 0) {
    group_->SetHold(fd_, ns);
  } else if (!wasGroup && ns > 0) {
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "no libuv loop");
    RxGroup* g = RxGroup::ForLoop(loop);
    int r = AddToGroup(g, ns);
    if (r != 0) {
      holdNs_ = 0;
      ThrowSys(env, -r, "epoll_ctl", ifname_);
    }
    CloseWatch(poll_);  // the other socket keeps its own poll
    group_ = g;
  } else if (wasGroup && ns == 0) {
    group_->Remove(fd_);
    group_ = nullptr;
    poll_ = NewPoll(env, fd_);
    DrainAll();  // frames that were waiting for the group's hold
  }
  return env.Undefined();
}

void PacketSocket::StopPoll() {
  if (!receiving_) return;
  receiving_ = false;
  if (group_) {
    group_->Remove(fd_);
    group_ = nullptr;
  }
  CloseWatch(poll_);
  CloseWatch(otherPoll_);
  if (!self_.IsEmpty()) self_.Reset();
}

Napi::Value PacketSocket::Stop(const Napi::CallbackInfo& info) {
  StopPoll();
  return info.Env().Undefined();
}

// Read what is queued now, synchronously (the handler runs before this returns). Used before
// declaring loss of continuity: after an event-loop stall the timer may run before the poll
// phase has read CCMs that did arrive in time.
Napi::Value PacketSocket::Poll(const Napi::CallbackInfo& info) {
  uint64_t before = rxFrames_;
  DrainAll();
  return Napi::Number::New(info.Env(), static_cast<double>(rxFrames_ - before));
}

Napi::Value PacketSocket::Close(const Napi::CallbackInfo& info) {
  StopPoll();
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  if (otherFd_ >= 0) {
    close(otherFd_);
    otherFd_ = -1;
  }
  return info.Env().Undefined();
}

Napi::Value PacketSocket::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  // tp_drops counts frames the kernel dropped because the socket queue was full (read resets)
  auto drops = [](int fd) -> double {
    tpacket_stats st{};
    socklen_t sl = sizeof st;
    return fd >= 0 && getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl) == 0 ? st.tp_drops : 0;
  };
  double ccmDrops = drops(fd_);
  double otherDrops = drops(otherFd_);
  double kernelDrops = ccmDrops + otherDrops;
  o.Set("rxFrames", Napi::Number::New(env, static_cast<double>(rxFrames_)));
  o.Set("rxBatches", Napi::Number::New(env, static_cast<double>(rxBatches_)));
  o.Set("rxTruncated", Napi::Number::New(env, static_cast<double>(rxTruncated_)));
  o.Set("rxOwnDropped", Napi::Number::New(env, static_cast<double>(rxOwnDropped_)));
  o.Set("rxErrors", Napi::Number::New(env, static_cast<double>(rxErrors_)));
  o.Set("rxKernelDrops", Napi::Number::New(env, kernelDrops));
  // of them, on the CCM socket (split) or the only socket; and on the socket of the other opcodes
  o.Set("rxKernelDropsCcm", Napi::Number::New(env, otherFd_ >= 0 ? ccmDrops : kernelDrops));
  o.Set("rxKernelDropsOther", Napi::Number::New(env, otherDrops));
  o.Set("split", Napi::Boolean::New(env, otherFd_ >= 0));
  o.Set("txFrames", Napi::Number::New(env, static_cast<double>(txFrames_)));
  o.Set("txErrors", Napi::Number::New(env, static_cast<double>(txErrors_)));
  // the receive hold group's timer wakeups on this thread (shared by its sockets), 0 if none
  o.Set("rxHoldWakeups", Napi::Number::New(env, group_ ? static_cast<double>(group_->holdWakeups()) : 0));
  return o;
}

Napi::Value PacketSocket::GetFd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }
Napi::Value PacketSocket::GetIfindex(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), ifindex_); }
Napi::Value PacketSocket::GetMac(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), MacString(mac_)); }

}  // namespace cfm
