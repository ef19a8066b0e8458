// Native CPU-protection policer (seed 002). Same rules and bucket arithmetic as the TypeScript
// engine (src/cpu-protection/engine.ts) and the mock ASIC policers (native/asic/mock_policer.c):
//  - binding = port + outer VLAN (exact VLAN first, then the port-wide binding);
//  - squelched MD levels are dropped first (seed 004 squelch-ingress-levels);
//  - first matching entry wins; one bucket per level x opcode combination, per source MAC
//    unless aggregate; frames matching no entry use the policy's overall rate (one bucket);
//  - bucket depth max(1, rate), full when created, refill (now - last) * 1e-9 * rate.
#include "cpu_protection.h"

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace cfm {

namespace {

constexpr uint32_t kMagic = 0xCF01;
constexpr uint32_t kOverallSlot = 15;
constexpr uint64_t kOtherPeer = 0xffffffffffffULL;

struct Rule {
  uint32_t levelMask;
  uint32_t ratePps;
  uint32_t ops[8];
};

struct Bucket {
  double tokens;
  double lastNs;
  double passed;
  double dropped;
};

struct Key {
  uint32_t combo;
  uint64_t peer;
  bool operator==(const Key& o) const { return combo == o.combo && peer == o.peer; }
};

struct KeyHash {
  size_t operator()(const Key& k) const {
    uint64_t h = k.peer * 0x9E3779B97F4A7C15ULL ^ (static_cast<uint64_t>(k.combo) * 0xC2B2AE3D27D4EB4FULL);
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

struct Binding {
  uint32_t port;
  uint32_t vlan;
  bool aggregate;
  bool hasOverall;
  uint32_t overallRate;
  uint32_t squelchMask;
  std::vector<Rule> rules;
  std::unordered_map<Key, Bucket, KeyHash> buckets;
  std::unordered_set<uint64_t> peers;
  double squelched = 0;
  double unmatched = 0;
};

bool Take(Bucket& b, uint32_t rate, double now) {
  if (rate == 0) {
    b.dropped++;
    return false;
  }
  if (now > b.lastNs) {
    double cap = rate > 1 ? static_cast<double>(rate) : 1.0;
    b.tokens += (now - b.lastNs) * 1e-9 * static_cast<double>(rate);
    if (b.tokens > cap) b.tokens = cap;
    b.lastNs = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    b.passed++;
    return true;
  }
  b.dropped++;
  return false;
}

class CpuPolicer;

struct Attachment {
  CpuPolicer* policer;
  uint32_t port;
};

std::mutex gMu;
std::unordered_map<int, Attachment> gAttached;
std::atomic<int> gCount{0};

class CpuPolicer : public Napi::ObjectWrap<CpuPolicer> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "CpuPolicer",
                       {
                           InstanceMethod("configure", &CpuPolicer::Configure),
                           InstanceMethod("attach", &CpuPolicer::Attach),
                           InstanceMethod("detach", &CpuPolicer::Detach),
                           InstanceMethod("admitBatch", &CpuPolicer::AdmitBatch),
                           InstanceMethod("counters", &CpuPolicer::Counters),
                           InstanceMethod("close", &CpuPolicer::Close),
                       });
  }

  explicit CpuPolicer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CpuPolicer>(info) {}

  ~CpuPolicer() override {
    std::lock_guard<std::mutex> g(gMu);
    for (auto it = gAttached.begin(); it != gAttached.end();) {
      if (it->second.policer == this) {
        it = gAttached.erase(it);
        gCount--;
      } else {
        ++it;
      }
    }
  }

  // Called with gMu held.
  bool Admit(uint32_t port, const uint8_t* f, uint32_t len, double now) {
    if (len < 14) return true;
    uint32_t p = 12;
    int32_t vlan = -1;
    for (int tags = 0;; tags++) {
      uint16_t type = static_cast<uint16_t>((f[p] << 8) | f[p + 1]);
      if (type == 0x8902) break;
      if ((type != 0x8100 && type != 0x88a8) || tags == 2 || p + 6 > len) return true;  // not CFM
      if (vlan < 0) vlan = ((f[p + 2] << 8) | f[p + 3]) & 0x0fff;
      p += 4;
    }
    if (p + 4 > len) return true;
    uint32_t v = vlan < 0 ? 0 : static_cast<uint32_t>(vlan);
    uint32_t level = f[p + 2] >> 5;
    uint32_t opcode = f[p + 3];
    Binding* b = nullptr;
    Binding* portWide = nullptr;
    for (auto& x : bindings_) {
      if (x.port != port) continue;
      if (v != 0 && x.vlan == v) {
        b = &x;
        break;
      }
      if (x.vlan == 0) portWide = &x;
    }
    if (!b) b = portWide;
    if (!b) return true;
    if (b->squelchMask & (1u << level)) {
      b->squelched++;
      return false;
    }
    uint64_t src = 0;
    for (int i = 6; i < 12; i++) src = (src << 8) | f[i];
    for (size_t i = 0; i < b->rules.size(); i++) {
      const Rule& r = b->rules[i];
      if (!(r.levelMask & (1u << level)) || !(r.ops[opcode >> 5] & (1u << (opcode & 31)))) continue;
      uint32_t combo = static_cast<uint32_t>(i) * 2048 + level * 256 + opcode;
      return Take(BucketOf(*b, combo, b->aggregate ? 0 : src, r.ratePps, now), r.ratePps, now);
    }
    if (b->hasOverall) return Take(BucketOf(*b, kOverallSlot * 2048, 0, b->overallRate, now), b->overallRate, now);
    b->unmatched++;
    return true;
  }

 private:
  Bucket& BucketOf(Binding& b, uint32_t combo, uint64_t peer, uint32_t rate, double now) {
    if (peer != 0 && b.peers.find(peer) == b.peers.end()) {
      if (b.peers.size() >= maxPeers_) peer = kOtherPeer;
      else b.peers.insert(peer);
    }
    auto it = b.buckets.find(Key{combo, peer});
    if (it != b.buckets.end()) return it->second;
    double depth = rate > 1 ? static_cast<double>(rate) : 1.0;
    return b.buckets.emplace(Key{combo, peer}, Bucket{depth, now, 0, 0}).first->second;
  }

  // configure(program: Uint32Array)
  Napi::Value Configure(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array)
      throw Napi::TypeError::New(env, "configure(program: Uint32Array)");
    Napi::Uint32Array a = info[0].As<Napi::Uint32Array>();
    const uint32_t* w = a.Data();
    size_t n = a.ElementLength(), i = 0;
    auto need = [&](size_t k) {
      if (i + k > n) throw Napi::RangeError::New(env, "CpuPolicer.configure: program ends early at word " + std::to_string(i));
    };
    need(3);
    if (w[0] != kMagic) throw Napi::RangeError::New(env, "CpuPolicer.configure: bad program magic");
    uint32_t nb = w[1];
    uint32_t maxPeers = w[2];
    i = 3;
    std::vector<Binding> out;
    for (uint32_t bi = 0; bi < nb; bi++) {
      need(6);
      Binding b;
      b.port = w[i];
      b.vlan = w[i + 1];
      b.aggregate = (w[i + 2] & 1) != 0;
      b.hasOverall = (w[i + 2] & 2) != 0;
      b.overallRate = w[i + 3];
      b.squelchMask = w[i + 4];
      uint32_t nr = w[i + 5];
      i += 6;
      if (nr > 14) throw Napi::RangeError::New(env, "CpuPolicer.configure: more than 14 rules in a binding");
      for (uint32_t r = 0; r < nr; r++) {
        need(10);
        Rule rule;
        rule.levelMask = w[i];
        rule.ratePps = w[i + 1];
        memcpy(rule.ops, w + i + 2, sizeof rule.ops);
        b.rules.push_back(rule);
        i += 10;
      }
      out.push_back(std::move(b));
    }
    std::lock_guard<std::mutex> g(gMu);
    bindings_ = std::move(out);
    maxPeers_ = maxPeers;
    return env.Undefined();
  }

  // attach(fd, portIndex): police frames received on that PacketSocket.
  Napi::Value Attach(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "attach(fd: number, port: number)");
    int fd = info[0].As<Napi::Number>().Int32Value();
    uint32_t port = info[1].As<Napi::Number>().Uint32Value();
    if (fd < 0) throw Napi::RangeError::New(env, "attach: fd must be a non-negative socket descriptor");
    std::lock_guard<std::mutex> g(gMu);
    auto it = gAttached.find(fd);
    if (it != gAttached.end() && it->second.policer != this) throw Napi::Error::New(env, "attach: another CpuPolicer polices fd " + std::to_string(fd));
    if (it == gAttached.end()) {
      gCount++;
      if (attached_++ == 0) Ref();  // keep this object alive while it polices a socket
    }
    gAttached[fd] = Attachment{this, port};
    return env.Undefined();
  }

  void DetachLocked(int fd) {
    auto it = gAttached.find(fd);
    if (it == gAttached.end() || it->second.policer != this) return;
    gAttached.erase(it);
    gCount--;
    if (--attached_ == 0) Unref();
  }

  Napi::Value Detach(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "detach(fd: number)");
    std::lock_guard<std::mutex> g(gMu);
    DetachLocked(info[0].As<Napi::Number>().Int32Value());
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    std::lock_guard<std::mutex> g(gMu);
    std::vector<int> mine;
    for (auto& kv : gAttached)
      if (kv.second.policer == this) mine.push_back(kv.first);
    for (int fd : mine) DetachLocked(fd);
    return info.Env().Undefined();
  }

  // admitBatch(port, data, lengths, timesNs: Float64Array) -> Uint8Array (1 pass, 0 drop).
  // The same decision the receive hook makes, for tests and benchmarks without a socket.
  Napi::Value AdmitBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsTypedArray() || !info[2].IsTypedArray() || !info[3].IsTypedArray())
      throw Napi::TypeError::New(env, "admitBatch(port: number, data: Uint8Array, lengths: Uint32Array, timesNs: Float64Array)");
    uint32_t port = info[0].As<Napi::Number>().Uint32Value();
    Napi::Uint8Array data = info[1].As<Napi::Uint8Array>();
    Napi::Uint32Array lens = info[2].As<Napi::Uint32Array>();
    Napi::Float64Array times = info[3].As<Napi::Float64Array>();
    size_t n = lens.ElementLength();
    if (times.ElementLength() != n && times.ElementLength() != 1) throw Napi::RangeError::New(env, "admitBatch: timesNs has one time or one per frame");
    Napi::Uint8Array out = Napi::Uint8Array::New(env, n);
    size_t off = 0;
    std::lock_guard<std::mutex> g(gMu);
    for (size_t k = 0; k < n; k++) {
      uint32_t l = lens[k];
      if (off + l > data.ElementLength()) throw Napi::RangeError::New(env, "admitBatch: lengths exceed data");
      double t = times.ElementLength() == 1 ? times[0] : times[k];
      out[k] = Admit(port, data.Data() + off, l, t) ? 1 : 0;
      off += l;
    }
    return out;
  }

  // counters() -> { buckets: Float64Array rows [binding, slot, level, opcode, peer, passed, dropped],
  //                 bindings: Float64Array rows [squelched, unmatched] }
  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::lock_guard<std::mutex> g(gMu);
    size_t rows = 0;
    for (auto& b : bindings_) rows += b.buckets.size();
    Napi::Float64Array bk = Napi::Float64Array::New(env, rows * 7);
    Napi::Float64Array bd = Napi::Float64Array::New(env, bindings_.size() * 2);
    size_t r = 0;
    for (size_t bi = 0; bi < bindings_.size(); bi++) {
      Binding& b = bindings_[bi];
      bd[bi * 2] = b.squelched;
      bd[bi * 2 + 1] = b.unmatched;
      for (auto& kv : b.buckets) {
        double* row = bk.Data() + r * 7;
        row[0] = static_cast<double>(bi);
        row[1] = static_cast<double>(kv.first.combo / 2048);
        row[2] = static_cast<double>((kv.first.combo >> 8) & 7);
        row[3] = static_cast<double>(kv.first.combo & 255);
        row[4] = static_cast<double>(kv.first.peer);
        row[5] = kv.second.passed;
        row[6] = kv.second.dropped;
        r++;
      }
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("buckets", bk);
    o.Set("bindings", bd);
    return o;
  }

  std::vector<Binding> bindings_;
  uint32_t maxPeers_ = 1024;
  int attached_ = 0;

  friend bool cfm::CpuProtectionAdmit(int, const uint8_t*, uint32_t, double);
};

}  // namespace

bool CpuProtectionAdmit(int fd, const uint8_t* frame, uint32_t len, double nowNs) {
  if (gCount.load(std::memory_order_relaxed) == 0) return true;
  std::lock_guard<std::mutex> g(gMu);
  auto it = gAttached.find(fd);
  if (it == gAttached.end()) return true;
  return it->second.policer->Admit(it->second.port, frame, len, nowNs);
}

void InitCpuProtection(Napi::Env env, Napi::Object exports) {
  exports.Set("CpuPolicer", CpuPolicer::Define(env));
  static const CpuAdmitHook hook{kCpuAdmitHookAbi, &CpuProtectionAdmit};
  auto ext = Napi::External<CpuAdmitHook>::New(env, const_cast<CpuAdmitHook*>(&hook));
  ext.TypeTag(&kCpuAdmitHookTag);
  exports.Set("cpuProtectionHook", ext);
}

}  // namespace cfm
