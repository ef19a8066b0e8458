#include "packet.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "netns.h"
#include "packet_filter.h"
#include "packet_group.h"
#include "packet_deadline.h"
#include "syserr.h"
#include "uv_watch.h"
#if __has_include("cpu_protection.h")
#include "cpu_protection.h"
#define CFM_HAVE_CPU_PROTECTION 1
#endif

namespace cfm {

namespace {

constexpr uint16_t kTpidC = 0x8100;         // C-tag
constexpr int kBatch = 64;                  // frames per recvmmsg
constexpr int kMaxBatchesPerWakeup = 16;    // then yield to the loop (fairness)
constexpr size_t kHeadroom = 4;             // room to re-insert a stripped VLAN tag
constexpr size_t kSlot = 4096;              // CFM frames are < 1.6 kB; larger ones are truncated

double ClockNs(clockid_t id) {
  timespec ts;
  clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

double MonoNs() { return ClockNs(CLOCK_MONOTONIC); }

// CLOCK_REALTIME minus CLOCK_MONOTONIC now, read as a bracketed pair (monotonic before and after
// the realtime read) so a preemption between the two reads cannot skew it.
double RealMinusMonoNs() {
  double m0 = MonoNs();
  double r = ClockNs(CLOCK_REALTIME);
  double m1 = MonoNs();
  return r - (m0 + m1) / 2;
}

std::string MacString(const uint8_t* m) {
  char b[18];
  snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return b;
}

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


struct RxOpen {
  int ifindex;
  bool receive;
  int rcvbuf;
};

// One AF_PACKET socket on the interface, taking `part` of its CFM frames. Returns the fd, or
// -errno with *call naming the failed call.
int OpenRxSocket(const RxOpen& o, CfmPart part, bool membership, const char** call) {
  uint16_t proto = o.receive ? htons(ETH_P_ALL) : 0;
  // Created with protocol 0 and given ETH_P_ALL only at bind: a socket created with a protocol is
  // hooked into every interface's receive at once, and bind() to one interface then unhooks it
  // first, which waits for an RCU grace period (synchronize_net: 10-20 ms here, 0.8 s for 64
  // ports). Unhooked until bind, it is hooked once, on its interface, with no wait (issue 17
  // start-up); it also queues nothing from other interfaces before the bind.
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *call = "socket";
    return -errno;
  }
  auto fail = [&](const char* c) {
    int e = errno;
    close(fd);
    *call = c;
    return -e;
  };
  // Filter before bind so no unfiltered frame is ever queued.
  if (o.receive) {
    std::vector<sock_filter> prog = CfmFilter(part);
    sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) != 0) return fail("setsockopt SO_ATTACH_FILTER");
    int one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) != 0) return fail("setsockopt PACKET_AUXDATA");
    // Receive times from the kernel (skb->tstamp, taken when the frame entered the stack), not
    // when user space read it: a CCM that arrived late but was read together with an earlier one
    // must not look in time (issue 17, loss masking). The kernel stamps software receive times on
    // CLOCK_REALTIME only (there is no monotonic option for SO_TIMESTAMP*), so each batch converts
    // them to CLOCK_MONOTONIC with the realtime-monotonic offset read at that moment; see Drain().
    if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0) return fail("setsockopt SO_TIMESTAMPNS");
    if (o.rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &o.rcvbuf, sizeof o.rcvbuf) != 0 &&
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o.rcvbuf, sizeof o.rcvbuf) != 0)
      return fail("setsockopt SO_RCVBUF");
  }
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = proto;
  sll.sll_ifindex = o.ifindex;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) return fail("bind");
  // 802.1Q 12.14.7 / Table 8-13: CCMs go to 01-80-C2-00-00-3x; a real NIC filters multicast it
  // was not asked for, so join all 16 class 1 and class 2 addresses (veth accepts anyway).
  if (membership) {
    for (uint8_t x = 0x30; x <= 0x3f; x++) {
      packet_mreq mr{};
      mr.mr_ifindex = o.ifindex;
      mr.mr_type = PACKET_MR_MULTICAST;
      mr.mr_alen = 6;
      const uint8_t addr[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, x};
      memcpy(mr.mr_address, addr, 6);
      if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) != 0) return fail("setsockopt PACKET_ADD_MEMBERSHIP");
    }
  }
  return fd;
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

void PacketSocket::OnPoll(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<PacketSocket*>(handle->data);
  uv_os_fd_t fd = -1;
  uv_fileno(reinterpret_cast<uv_handle_t*>(handle), &fd);
  if (status < 0) {
    // POLLERR: the interface went down and the kernel set sk_err = ENETDOWN (af_packet's
    // netdev notifier). libuv has stopped this handle; read the error (which clears it) and
    // poll again: the kernel re-hooks the socket when the interface comes back up.
    int err = 0;
    socklen_t len = sizeof err;
    if (fd >= 0) getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    self->rxErrors_++;
    uv_poll_start(handle, UV_READABLE, &PacketSocket::OnPoll);
    return;
  }
  if (!(events & UV_READABLE)) return;
  self->Drain(fd);
}

// recvmmsg slots, shared by every socket of a thread: Drain runs on its JS thread only and
// copies a batch out of them before JavaScript runs, so a nested Drain (a handler polling another
// socket) may reuse them. One set per thread instead of 64 x 4 kB per port (issue 17, memory).
uint8_t* PacketSocket::Slots() {
  static thread_local std::vector<uint8_t> slots;
  if (slots.empty()) slots.resize(static_cast<size_t>(kBatch) * (kSlot + kHeadroom));
  return slots.data();
}

uint64_t PacketSocket::DrainCounted(int fd) {
  uint64_t before = rxFrames_;
  Drain(fd);
  return rxFrames_ - before;
}

// CCMs first: a checker about to declare a loss reads them before anything a flood queued.
void PacketSocket::DrainAll() {
  if (fd_ >= 0 && receiving_) Drain(fd_);
  if (otherFd_ >= 0 && receiving_) Drain(otherFd_);
}

// Read up to kMaxBatchesPerWakeup batches; hand each batch to JS in one Buffer.
void PacketSocket::Drain(int fd) {
  uint8_t* slots = Slots();
  Napi::Env env = Env();
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  sockaddr_ll from[kBatch];
  alignas(cmsghdr) uint8_t ctl[kBatch][CMSG_SPACE(sizeof(tpacket_auxdata)) + CMSG_SPACE(sizeof(timespec))];
  double stamps[kBatch];
  // a handler may close this socket (fd_ < 0 then; `fd` is closed too)
  for (int round = 0; round < kMaxBatchesPerWakeup && fd >= 0 && fd_ >= 0 && receiving_; round++) {
    for (int i = 0; i < kBatch; i++) {
      uint8_t* slot = slots + static_cast<size_t>(i) * (kSlot + kHeadroom);
      iov[i] = iovec{slot + kHeadroom, kSlot};
      msgs[i] = mmsghdr{};
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_control = ctl[i];
      msgs[i].msg_hdr.msg_controllen = sizeof ctl[i];
    }
    int n = recvmmsg(fd, msgs, kBatch, MSG_DONTWAIT, nullptr);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      rxErrors_++;  // a pending socket error (e.g. ENETDOWN) is reported once, then cleared
      continue;
    }
    if (n <= 0) return;  // drained
    double rxNs = MonoNs();
    // Realtime -> monotonic at read time. A step of the realtime clock (settimeofday, an NTP
    // step) between a frame's arrival and this read would shift that frame's time by the step;
    // slewing (adjtime) shifts it by at most the slew over that interval (<= 500 ppm). A stamp
    // that lands after the read time (a forward step) or is missing is clamped to the read time.
    double realMinusMono = RealMinusMonoNs();
    rxBatches_++;
    // First pass: restore tags in place and size the output.
    size_t total = 0;
    uint8_t* start[kBatch];
    uint32_t len[kBatch];
    int kept = 0;
    for (int i = 0; i < n; i++) {
      uint8_t* slot = slots + static_cast<size_t>(i) * (kSlot + kHeadroom);
      if (from[i].sll_pkttype == PACKET_OUTGOING) {  // the BPF filter drops these already
        rxOwnDropped_++;
        continue;
      }
      if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
        rxTruncated_++;
        continue;
      }
      uint8_t* p = slot + kHeadroom;
      uint32_t l = msgs[i].msg_len;
      if (l < 14) continue;
      double at = rxNs;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          timespec ts;
          memcpy(&ts, CMSG_DATA(c), sizeof ts);
          double mono = static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec) - realMinusMono;
          if (mono > 0 && mono < rxNs) at = mono;
          continue;
        }
        if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
        tpacket_auxdata aux;
        memcpy(&aux, CMSG_DATA(c), sizeof aux);
        // The kernel took the outer tag off before we saw the frame: put it back after the SA
        // so the frame is as it was on the wire (802.1Q 9.5).
        if ((aux.tp_status & TP_STATUS_VLAN_VALID) || aux.tp_vlan_tci != 0) {
          uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : kTpidC;
          memmove(p - 4, p, 12);
          p -= 4;
          p[12] = tpid >> 8;
          p[13] = tpid & 0xff;
          p[14] = aux.tp_vlan_tci >> 8;
          p[15] = aux.tp_vlan_tci & 0xff;
          l += 4;
        }
      }
#ifdef CFM_HAVE_CPU_PROTECTION
      // CPU protection (seed 002): squelch and police before JavaScript; a dropped frame is
      // counted in cpu_protection.cc and costs no JS. The policer is attached to fd_ (the fd
      // JavaScript sees) and polices the frames of both sockets of the port.
      if (!CpuProtectionAdmit(fd_, p, l, rxNs)) continue;
#endif
      start[kept] = p;
      len[kept] = l;
      stamps[kept] = at;
      total += l;
      kept++;
    }
    if (kept == 0) continue;
    rxFrames_ += static_cast<uint64_t>(kept);
    Napi::HandleScope scope(env);
    // One receive area per socket, reused for every batch (no allocation per batch) and sized to
    // need: it grows to the largest batch seen (one CCM at steady state, not 64 x 4 kB). JS gets
    // views into it that are valid during the callback only (the wrapper documents "copy to keep").
    if (rxArea_.IsEmpty() || rxAreaBytes_ < total) {
      size_t cap = rxAreaBytes_ * 2 > total ? rxAreaBytes_ * 2 : total;
      if (cap < 256) cap = 256;
      Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, cap);
      rxArea_ = Napi::Persistent(Napi::Uint8Array::New(env, cap, ab, 0));
      rxAreaBytes_ = cap;
    }
    // lengths and times sized to need too: a few frames per read at steady state (16 bytes per
    // port instead of 768 for a full batch), the whole batch once a burst needs it
    if (rxLens_.IsEmpty() || rxListCap_ < static_cast<size_t>(kept)) {
      rxListCap_ = kept <= 4 ? 4 : kBatch;
      rxLens_ = Napi::Persistent(Napi::Uint32Array::New(env, rxListCap_));
      rxStamps_ = Napi::Persistent(Napi::Float64Array::New(env, rxListCap_));
    }
    Napi::Uint8Array data = rxArea_.Value();
    Napi::Uint32Array lens = rxLens_.Value();
    Napi::Float64Array times = rxStamps_.Value();
    size_t off = 0;
    for (int i = 0; i < kept; i++) {
      memcpy(data.Data() + off, start[i], len[i]);
      off += len[i];
      lens[static_cast<size_t>(i)] = len[i];
      times[static_cast<size_t>(i)] = stamps[i];
    }
    try {
      std::initializer_list<napi_value> args{data, lens, Napi::Number::New(env, kept), Napi::Number::New(env, rxNs), times};
      // inside the receive group's callback scope (several sockets read in one wakeup): a plain
      // call, the scope runs microtasks and ticks once for all of them when it closes
      if (RxGroup::InCallbackScope()) onFrames_.Call(Value(), args);
      else onFrames_.MakeCallback(Value(), args, *asyncCtx_);
    } catch (const Napi::Error& e) {
      // A throwing JS handler is a bug in JS: surface it as an uncaught exception.
      napi_fatal_exception(env, e.Value());
      return;
    }
    if (n < kBatch) return;  // short batch: the queue is empty
  }
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
