// BpfDatapath (bpf_datapath.h), the MEP and peer maps of the program (cfm_maps.bpf.h): a MEP per
// (port, VLAN, level), a remote MEP per (port, VLAN, level, MEPID), written by the software
// backend as its configuration changes; readPeer returns the kernel's state of one peer.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "bpf_datapath.h"
#include "syserr.h"

namespace cfm {

cfm_mep_key BpfDatapath::MepKey(const Napi::CallbackInfo& info) {
  cfm_mep_key k{};
  k.ifindex = U32(info[0], "ifindex");
  k.vlan = static_cast<uint16_t>(U32(info[1], "vlan"));
  k.level = static_cast<uint8_t>(U32(info[2], "level"));
  return k;
}

// setMep(ifindex, vlan, level, { maid, mepId, interval, intervalNs, priority, handle })
Napi::Value BpfDatapath::SetMep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  cfm_mep_key k = MepKey(info);
  if (info.Length() < 4 || !info[3].IsObject()) throw Napi::TypeError::New(env, "setMep(ifindex, vlan, level, mep)");
  Napi::Object o = info[3].As<Napi::Object>();
  cfm_mep m{};
  Napi::Value maid = o.Get("maid");
  if (!maid.IsTypedArray() || maid.As<Napi::Uint8Array>().ByteLength() != 48) throw Napi::TypeError::New(env, "setMep: maid must be 48 bytes");
  memcpy(m.maid, maid.As<Napi::Uint8Array>().Data(), 48);
  m.mepid = static_cast<uint16_t>(U32(o.Get("mepId"), "mepId"));
  m.interval = static_cast<uint8_t>(U32(o.Get("interval"), "interval"));
  m.interval_ns = static_cast<uint64_t>(o.Get("intervalNs").As<Napi::Number>().DoubleValue());
  m.timeout_ns = static_cast<uint64_t>(o.Get("timeoutNs").As<Napi::Number>().DoubleValue());
  m.priority = static_cast<uint8_t>(U32(o.Get("priority"), "priority"));
  m.handle = U32(o.Get("handle"), "handle");
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.meps), &k, &m, BPF_ANY) != 0) ThrowSys(env, errno, "bpf_map_update_elem", "MEP map");
  BumpMepGeneration();
  return env.Undefined();
}

Napi::Value BpfDatapath::DeleteMep(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  cfm_mep_key k = MepKey(info);
  bpf_map_delete_elem(bpf_map__fd(skel_->maps.meps), &k);
  BumpMepGeneration();
  return info.Env().Undefined();
}

cfm_peer_key BpfDatapath::PeerKey(const Napi::CallbackInfo& info) {
  cfm_peer_key k{};
  k.ifindex = U32(info[0], "ifindex");
  k.vlan = static_cast<uint16_t>(U32(info[1], "vlan"));
  k.level = static_cast<uint8_t>(U32(info[2], "level"));
  k.mepid = static_cast<uint16_t>(U32(info[3], "mepId"));
  return k;
}

// setPeer(ifindex, vlan, level, mepId, timeoutNs): a new peer (an existing one keeps its state)
Napi::Value BpfDatapath::SetPeer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  cfm_peer_key k = PeerKey(info);
  int fd = bpf_map__fd(skel_->maps.peers);
  std::vector<uint8_t> v(bpf_map__value_size(skel_->maps.peers), 0);
  cfm_peer p{};
  p.timeout_ns = static_cast<uint64_t>(info[4].As<Napi::Number>().DoubleValue());
  memcpy(v.data(), &p, sizeof p);
  if (bpf_map_update_elem(fd, &k, v.data(), BPF_NOEXIST) != 0 && errno != EEXIST) ThrowSys(env, errno, "bpf_map_update_elem", "peer map");
  return env.Undefined();
}

Napi::Value BpfDatapath::DeletePeer(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  cfm_peer_key k = PeerKey(info);
  bpf_map_delete_elem(bpf_map__fd(skel_->maps.peers), &k);
  return info.Env().Undefined();
}

// readPeer(ifindex, vlan, level, mepId) -> { lastSeenNs, valid, seqErrors, lastSeq, seen, loc } | undefined
Napi::Value BpfDatapath::ReadPeer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  cfm_peer_key k = PeerKey(info);
  std::vector<uint8_t> v(bpf_map__value_size(skel_->maps.peers), 0);
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.peers), &k, v.data()) != 0) return env.Undefined();
  cfm_peer p;
  memcpy(&p, v.data(), sizeof p);
  Napi::Object o = Napi::Object::New(env);
  o.Set("lastSeenNs", Napi::Number::New(env, static_cast<double>(p.last_seen_ns)));
  o.Set("valid", Napi::Number::New(env, static_cast<double>(p.valid)));
  o.Set("seqErrors", Napi::Number::New(env, static_cast<double>(p.seq_errors)));
  o.Set("lastSeq", Napi::Number::New(env, p.last_seq));
  o.Set("seen", Napi::Boolean::New(env, p.seen != 0));
  o.Set("loc", Napi::Boolean::New(env, p.loc != 0));
  return o;
}

// A MEP was written or deleted: every peer's copy of its MEP (cfm_maps.bpf.h struct peer_mep_copy)
// is stale from now on, so each peer's next CCM is judged by the MEP map and refreshes the copy.
// After the map write: a copy stamped with the new generation was taken from the new MEP.
void BpfDatapath::BumpMepGeneration() { __atomic_fetch_add(&skel_->data->mep_gen, 1, __ATOMIC_SEQ_CST); }

}  // namespace cfm
