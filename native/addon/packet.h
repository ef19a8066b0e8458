// AF_PACKET raw socket on one interface, receiving only CFM frames (0x8902, untagged or up to
// two 0x8100/0x88a8 tags, kernel-stripped tags restored from PACKET_AUXDATA), never our own
// outgoing frames; readable events come from a uv_poll_t on the libuv loop and frames are read
// in batches with recvmmsg and handed to JavaScript in one reused area per socket.
// packet.cc: the JavaScript methods; packet_open.cc: opening a socket; packet_rx.cc: the receive
// path (batches, kernel receive times, restored tags, CPU protection, the call into JavaScript).
#pragma once
#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <string>
#include <vector>

namespace cfm {

class RxGroup;
struct RxBatch;  // packet_rx.cc
struct RxKept;

class PacketSocket : public Napi::ObjectWrap<PacketSocket> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports);
  explicit PacketSocket(const Napi::CallbackInfo& info);
  ~PacketSocket() override;

 private:
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value SendBatch(const Napi::CallbackInfo& info);
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Poll(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value GetFd(const Napi::CallbackInfo& info);
  Napi::Value GetIfindex(const Napi::CallbackInfo& info);
  Napi::Value GetMac(const Napi::CallbackInfo& info);
  Napi::Value SetRxHold(const Napi::CallbackInfo& info);

  friend class RxGroup;

  static void OnPoll(uv_poll_t* handle, int status, int events);
  void Drain(int fd);  // packet_rx.cc, with OnPoll, Keep, HandToJs, Slots, DrainCounted, DrainAll
  void Keep(RxBatch& b, int n, double rxNs, RxKept& k);
  bool HandToJs(const RxKept& k, double rxNs);
  uint64_t DrainCounted(int fd);  // Drain, returns the frames handed to JS
  void DrainAll();                // the CCM socket, then the other one
  static uint8_t* Slots();
  void StopPoll();
  void StartOwnPoll(Napi::Env env);
  uv_poll_t* NewPoll(Napi::Env env, int fd);
  int AddToGroup(RxGroup* g, double holdNs);
  void CheckOpen(Napi::Env env) const;

  int fd_ = -1;       // sends; receives every CFM frame, or only CCMs when split
  int otherFd_ = -1;  // split (default): every CFM frame but CCMs (a flood fills only its queue)
  int ifindex_ = 0;
  bool receive_ = true;
  bool receiving_ = false;  // started: on its own uv_poll or in the thread's RxGroup
  RxGroup* group_ = nullptr;  // set while a member of the receive hold group
  double holdNs_ = 0;         // longest wait allowed for a frame (0 = read at once, own uv_poll)
  std::string ifname_;
  uint8_t mac_[6] = {0};
  uv_poll_t* poll_ = nullptr;  // heap: freed in its close callback
  uv_poll_t* otherPoll_ = nullptr;  // on otherFd_, likewise
  Napi::FunctionReference onFrames_;
  Napi::ObjectReference self_;  // keeps this object alive while receiving
  std::unique_ptr<Napi::AsyncContext> asyncCtx_;
  Napi::Reference<Napi::Uint8Array> rxArea_;   // reused receive area handed to JS
  Napi::Reference<Napi::Uint32Array> rxLens_;
  Napi::Reference<Napi::Float64Array> rxStamps_;  // per frame kernel receive time (monotonic ns)
  size_t rxAreaBytes_ = 0;
  size_t rxListCap_ = 0;  // entries of rxLens_ / rxStamps_
  uint64_t rxFrames_ = 0, rxBatches_ = 0, rxTruncated_ = 0, rxOwnDropped_ = 0, rxErrors_ = 0;
  uint64_t txFrames_ = 0, txErrors_ = 0;
};

// A MAC address as JavaScript shows it: "02:00:00:00:00:01" (lower-case hex, colons).
std::string MacString(const uint8_t* mac);

// interfaceInfo(name, netns?) -> { ifindex, mac, mtu, up, running }
Napi::Value InterfaceInfo(const Napi::CallbackInfo& info);

}  // namespace cfm
