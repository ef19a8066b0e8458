// BpfDatapath (bpf_datapath.h), CPU protection (seed 002) in the program (cfm_cp.bpf.h): the
// native policer's program format (src/cpu-protection/native.ts encodeProgram) written into the
// cp_* maps, the policy's ports, a replay of a frame sequence through the program
// (BPF_PROG_TEST_RUN) and the counters in the native policer's shape.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "bpf_datapath.h"
#include "syserr.h"

namespace cfm {

void BpfDatapath::ClearMap(int fd, size_t keySize) {
  std::vector<uint8_t> k(keySize), next(keySize);
  while (bpf_map_get_next_key(fd, nullptr, next.data()) == 0) {
    if (bpf_map_delete_elem(fd, next.data()) != 0) break;
  }
}

// cpConfigure(program: Uint32Array): replaces the policy; buckets and peers start afresh.
Napi::Value BpfDatapath::CpConfigure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (info.Length() < 1 || !info[0].IsTypedArray()) throw Napi::TypeError::New(env, "cpConfigure(program: Uint32Array)");
  Napi::Uint32Array a = info[0].As<Napi::Uint32Array>();
  const uint32_t* w = a.Data();
  size_t n = a.ElementLength(), i = 3;
  auto need = [&](size_t k) {
    if (i + k > n) throw Napi::RangeError::New(env, "cpConfigure: program ends early at word " + std::to_string(i));
  };
  if (n < 3 || w[0] != 0xCF01) throw Napi::RangeError::New(env, "cpConfigure: bad program magic");
  uint32_t nb = w[1], maxPeers = w[2];
  std::vector<std::pair<cfm_cp_binding_key, cfm_cp_binding>> out;
  for (uint32_t bi = 0; bi < nb; bi++) {
    need(6);
    cfm_cp_binding_key k{w[i], w[i + 1]};
    cfm_cp_binding b{};
    b.index = bi;
    b.flags = w[i + 2];
    b.overall_rate = w[i + 3];
    b.squelch_mask = w[i + 4];
    b.nrules = w[i + 5];
    b.max_peers = maxPeers;
    i += 6;
    if (b.nrules > CFM_CP_MAX_RULES) throw Napi::RangeError::New(env, "cpConfigure: more than 14 rules in a binding");
    for (uint32_t r = 0; r < b.nrules; r++) {
      need(10);
      b.rules[r].level_mask = w[i];
      b.rules[r].rate = w[i + 1];
      memcpy(b.rules[r].ops, w + i + 2, sizeof b.rules[r].ops);
      i += 10;
    }
    out.emplace_back(k, b);
  }
  uint32_t vlanBindings = 0;
  for (auto& kb : out) vlanBindings += kb.first.vlan != 0 ? 1 : 0;
  // before the bindings change: a frame may look a VLAN up for nothing, never skip one
  if (vlanBindings) skel_->data->cp_vlan_bindings = vlanBindings;
  ClearMap(bpf_map__fd(skel_->maps.cp_bindings), sizeof(cfm_cp_binding_key));
  ClearMap(bpf_map__fd(skel_->maps.cp_buckets), sizeof(cfm_cp_bucket_key));
  ClearMap(bpf_map__fd(skel_->maps.cp_peers), sizeof(cfm_cp_peer_key));
  cpBindings_ = nb;
  for (auto& [k, b] : out)
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.cp_bindings), &k, &b, BPF_ANY) != 0) ThrowSys(env, errno, "bpf_map_update_elem", "CPU-protection bindings");
  skel_->data->cp_vlan_bindings = vlanBindings;
  return env.Undefined();
}

// cpPort(ifindex, portIndex | -1): frames arriving on ifindex are the policy's port portIndex.
Napi::Value BpfDatapath::CpPort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  uint32_t ifindex = U32(info[0], "ifindex");
  int32_t port = info[1].As<Napi::Number>().Int32Value();
  int fd = bpf_map__fd(skel_->maps.cp_ports);
  if (port < 0) {
    bpf_map_delete_elem(fd, &ifindex);
    cpIfindexes_.erase(ifindex);
  } else {
    uint32_t v = static_cast<uint32_t>(port);
    // the count first: a frame that sees the port in cp_ports must not skip the lookup
    cpIfindexes_.insert(ifindex);
    skel_->data->cp_nports = static_cast<uint32_t>(cpIfindexes_.size());
    if (bpf_map_update_elem(fd, &ifindex, &v, BPF_ANY) != 0) {
      int e = errno;
      cpIfindexes_.erase(ifindex);
      skel_->data->cp_nports = static_cast<uint32_t>(cpIfindexes_.size());
      ThrowSys(env, e, "bpf_map_update_elem", "CPU-protection ports");
    }
  }
  skel_->data->cp_nports = static_cast<uint32_t>(cpIfindexes_.size());
  return env.Undefined();
}

// cpTestRun(portIndex, data, lengths, timesNs) -> Uint8Array (1 pass, 0 drop): the tc program
// run on each frame with BPF_PROG_TEST_RUN at the given times (its clock switched to
// skb->tstamp for the call), so a frame sequence can be replayed against the other policers.
Napi::Value BpfDatapath::CpTestRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (xdp_) throw Napi::TypeError::New(env, "cpTestRun: needs the tc program");
  uint32_t port = U32(info[0], "portIndex");
  Napi::Uint8Array data = info[1].As<Napi::Uint8Array>();
  Napi::Uint32Array lens = info[2].As<Napi::Uint32Array>();
  Napi::Float64Array times = info[3].As<Napi::Float64Array>();
  size_t n = lens.ElementLength();
  if (times.ElementLength() != n) throw Napi::RangeError::New(env, "cpTestRun: one time per frame");
  uint32_t lo = 1;  // a test run's skb is on the loopback device
  uint32_t zero = 0;
  uint64_t on = 1, off = 0;
  bpf_map_update_elem(bpf_map__fd(skel_->maps.cp_ports), &lo, &port, BPF_ANY);
  skel_->data->cp_nports = static_cast<uint32_t>(cpIfindexes_.size()) + 1;  // the loopback entry
  bpf_map_update_elem(bpf_map__fd(skel_->maps.cp_clock), &zero, &on, BPF_ANY);
  Napi::Uint8Array out = Napi::Uint8Array::New(env, n);
  size_t o = 0;
  int err = 0;
  for (size_t k = 0; k < n && !err; k++) {
    uint32_t len = lens[k];
    if (o + len > data.ByteLength()) {
      err = EINVAL;
      break;
    }
    __sk_buff ctx{};
    ctx.tstamp = static_cast<uint64_t>(times[k]);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data.Data() + o, .data_size_in = len, .ctx_in = &ctx,
                .ctx_size_in = sizeof ctx, .repeat = 1);
    if (bpf_prog_test_run_opts(progFd_, &opts) != 0) err = errno;
    out[k] = opts.retval == TC_ACT_SHOT ? 0 : 1;
    o += len;
  }
  bpf_map_update_elem(bpf_map__fd(skel_->maps.cp_clock), &zero, &off, BPF_ANY);
  bpf_map_delete_elem(bpf_map__fd(skel_->maps.cp_ports), &lo);
  skel_->data->cp_nports = static_cast<uint32_t>(cpIfindexes_.size());
  if (err) ThrowSys(env, err, "bpf_prog_test_run", "the CFM eBPF program");
  return out;
}

// cpCounters() -> { buckets: Float64Array (rows of binding, slot, level, opcode, peer, passed,
// dropped), bindings: Float64Array (squelched, unmatched per binding) }: the native policer's shape.
Napi::Value BpfDatapath::CpCounters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  std::vector<double> rows;
  int fd = bpf_map__fd(skel_->maps.cp_buckets);
  cfm_cp_bucket_key k{}, next{};
  bool first = true;
  while (bpf_map_get_next_key(fd, first ? nullptr : &k, &next) == 0) {
    first = false;
    k = next;
    cfm_cp_bucket b{};
    if (bpf_map_lookup_elem(fd, &k, &b) != 0) continue;
    uint32_t slot = k.combo / 2048;
    rows.insert(rows.end(), {static_cast<double>(k.binding), static_cast<double>(slot), static_cast<double>((k.combo % 2048) / 256),
                             static_cast<double>(k.combo % 256), static_cast<double>(k.peer), static_cast<double>(b.passed),
                             static_cast<double>(b.dropped)});
  }
  std::vector<double> binds(static_cast<size_t>(cpBindings_) * 2, 0);
  int bfd = bpf_map__fd(skel_->maps.cp_bindings);
  cfm_cp_binding_key bk{}, bnext{};
  first = true;
  while (bpf_map_get_next_key(bfd, first ? nullptr : &bk, &bnext) == 0) {
    first = false;
    bk = bnext;
    cfm_cp_binding b{};
    if (bpf_map_lookup_elem(bfd, &bk, &b) != 0 || b.index >= cpBindings_) continue;
    binds[b.index * 2] = static_cast<double>(b.squelched);
    binds[b.index * 2 + 1] = static_cast<double>(b.unmatched);
  }
  Napi::Float64Array fb = Napi::Float64Array::New(env, rows.size());
  for (size_t i = 0; i < rows.size(); i++) fb[i] = rows[i];
  Napi::Float64Array fbind = Napi::Float64Array::New(env, binds.size());
  for (size_t i = 0; i < binds.size(); i++) fbind[i] = binds[i];
  Napi::Object o = Napi::Object::New(env);
  o.Set("buckets", fb);
  o.Set("bindings", fbind);
  return o;
}

}  // namespace cfm
