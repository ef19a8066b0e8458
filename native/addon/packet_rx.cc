// The receive path of PacketSocket (packet.h): a readable socket is read in recvmmsg batches,
// each frame gets its kernel receive time and its stripped VLAN tag back, CPU protection polices
// it, and each batch goes to JavaScript in one call.
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "packet.h"
#include "packet_group.h"
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

// A frame's ancillary data (cmsgs): returns its kernel receive time on CLOCK_MONOTONIC (rxNs, the
// read time, when the stamp is missing or after it), and puts back in front of *p the outer tag
// the kernel took off (*p and *l then cover it).
double ApplyAncillary(msghdr& h, uint8_t** p, uint32_t* l, double rxNs, double realMinusMono) {
  double at = rxNs;
  for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
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
      uint8_t* q = *p - 4;
      memmove(q, *p, 12);
      q[12] = tpid >> 8;
      q[13] = tpid & 0xff;
      q[14] = aux.tp_vlan_tci >> 8;
      q[15] = aux.tp_vlan_tci & 0xff;
      *p = q;
      *l += 4;
    }
  }
  return at;
}

}  // namespace

// recvmmsg's arrays for one batch, over the thread's slots (each kHeadroom + kSlot octets).
struct RxBatch {
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  sockaddr_ll from[kBatch];
  alignas(cmsghdr) uint8_t ctl[kBatch][CMSG_SPACE(sizeof(tpacket_auxdata)) + CMSG_SPACE(sizeof(timespec))];

  void Prepare(uint8_t* slots) {
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
  }
};

// The frames of a batch that go to JavaScript: where each starts (in the slots), its length and
// its kernel receive time.
struct RxKept {
  uint8_t* start[kBatch];
  uint32_t len[kBatch];
  double stamps[kBatch];
  int count = 0;
  size_t total = 0;  // octets
};

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
  RxBatch b;
  RxKept k;
  // a handler may close this socket (fd_ < 0 then; `fd` is closed too)
  for (int round = 0; round < kMaxBatchesPerWakeup && fd >= 0 && fd_ >= 0 && receiving_; round++) {
    b.Prepare(slots);
    int n = recvmmsg(fd, b.msgs, kBatch, MSG_DONTWAIT, nullptr);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      rxErrors_++;  // a pending socket error (e.g. ENETDOWN) is reported once, then cleared
      continue;
    }
    if (n <= 0) return;  // drained
    double rxNs = MonoNs();
    rxBatches_++;
    Keep(b, n, rxNs, k);
    if (k.count == 0) continue;
    rxFrames_ += static_cast<uint64_t>(k.count);
    if (!HandToJs(k, rxNs)) return;
    if (n < kBatch) return;  // short batch: the queue is empty
  }
}

// The frames of a batch of n read at rxNs that go to JavaScript, tags restored in place.
void PacketSocket::Keep(RxBatch& b, int n, double rxNs, RxKept& k) {
  // Realtime -> monotonic at read time. A step of the realtime clock (settimeofday, an NTP
  // step) between a frame's arrival and this read would shift that frame's time by the step;
  // slewing (adjtime) shifts it by at most the slew over that interval (<= 500 ppm). A stamp
  // that lands after the read time (a forward step) or is missing is clamped to the read time.
  double realMinusMono = RealMinusMonoNs();
  k.count = 0;
  k.total = 0;
  for (int i = 0; i < n; i++) {
    if (b.from[i].sll_pkttype == PACKET_OUTGOING) {  // the BPF filter drops these already
      rxOwnDropped_++;
      continue;
    }
    if (b.msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
      rxTruncated_++;
      continue;
    }
    uint8_t* p = static_cast<uint8_t*>(b.iov[i].iov_base);
    uint32_t l = b.msgs[i].msg_len;
    if (l < 14) continue;
    double at = ApplyAncillary(b.msgs[i].msg_hdr, &p, &l, rxNs, realMinusMono);
#ifdef CFM_HAVE_CPU_PROTECTION
    // CPU protection (seed 002): squelch and police before JavaScript; a dropped frame is
    // counted in cpu_protection.cc and costs no JS. The policer is attached to fd_ (the fd
    // JavaScript sees) and polices the frames of both sockets of the port.
    if (!CpuProtectionAdmit(fd_, p, l, rxNs)) continue;
#endif
    k.start[k.count] = p;
    k.len[k.count] = l;
    k.stamps[k.count] = at;
    k.total += l;
    k.count++;
  }
}

// Copies the kept frames out of the slots and calls onFrames; false when the handler threw (an
// uncaught exception then: the drain stops).
bool PacketSocket::HandToJs(const RxKept& k, double rxNs) {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  // One receive area per socket, reused for every batch (no allocation per batch) and sized to
  // need: it grows to the largest batch seen (one CCM at steady state, not 64 x 4 kB). JS gets
  // views into it that are valid during the callback only (the wrapper documents "copy to keep").
  if (rxArea_.IsEmpty() || rxAreaBytes_ < k.total) {
    size_t cap = rxAreaBytes_ * 2 > k.total ? rxAreaBytes_ * 2 : k.total;
    if (cap < 256) cap = 256;
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, cap);
    rxArea_ = Napi::Persistent(Napi::Uint8Array::New(env, cap, ab, 0));
    rxAreaBytes_ = cap;
  }
  // lengths and times sized to need too: a few frames per read at steady state (16 bytes per
  // port instead of 768 for a full batch), the whole batch once a burst needs it
  if (rxLens_.IsEmpty() || rxListCap_ < static_cast<size_t>(k.count)) {
    rxListCap_ = k.count <= 4 ? 4 : kBatch;
    rxLens_ = Napi::Persistent(Napi::Uint32Array::New(env, rxListCap_));
    rxStamps_ = Napi::Persistent(Napi::Float64Array::New(env, rxListCap_));
  }
  Napi::Uint8Array data = rxArea_.Value();
  Napi::Uint32Array lens = rxLens_.Value();
  Napi::Float64Array times = rxStamps_.Value();
  size_t off = 0;
  for (int i = 0; i < k.count; i++) {
    memcpy(data.Data() + off, k.start[i], k.len[i]);
    off += k.len[i];
    lens[static_cast<size_t>(i)] = k.len[i];
    times[static_cast<size_t>(i)] = k.stamps[i];
  }
  try {
    std::initializer_list<napi_value> args{data, lens, Napi::Number::New(env, k.count), Napi::Number::New(env, rxNs), times};
    // inside the receive group's callback scope (several sockets read in one wakeup): a plain
    // call, the scope runs microtasks and ticks once for all of them when it closes
    if (RxGroup::InCallbackScope()) onFrames_.Call(Value(), args);
    else onFrames_.MakeCallback(Value(), args, *asyncCtx_);
  } catch (const Napi::Error& e) {
    // A throwing JS handler is a bug in JS: surface it as an uncaught exception.
    napi_fatal_exception(env, e.Value());
    return false;
  }
  return true;
}

}  // namespace cfm
