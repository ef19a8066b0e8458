#include "packet_filter.h"

#include <linux/if_packet.h>

#include <cstdint>
#include <map>
#include <string>

namespace cfm {

namespace {

constexpr uint16_t kEthPCfm = 0x8902;  // 802.1Q Table 9-1: CFM EtherType
constexpr uint16_t kTpidC = 0x8100;    // C-tag
constexpr uint16_t kTpidS = 0x88a8;    // S-tag

// A tiny classic-BPF assembler with symbolic jump labels (jt/jf are relative u8 offsets).
struct Ins {
  uint16_t code;
  uint32_t k;
  const char* jt;
  const char* jf;
  const char* label;
};

std::vector<sock_filter> Assemble(const std::vector<Ins>& prog) {
  std::map<std::string, size_t> at;
  for (size_t i = 0; i < prog.size(); i++)
    if (prog[i].label) at[prog[i].label] = i;
  std::vector<sock_filter> out;
  for (size_t i = 0; i < prog.size(); i++) {
    auto rel = [&](const char* l) -> uint8_t { return l ? static_cast<uint8_t>(at.at(l) - i - 1) : 0; };
    out.push_back(sock_filter{prog[i].code, rel(prog[i].jt), rel(prog[i].jf), prog[i].k});
  }
  return out;
}

constexpr uint16_t LD_ABS_W = BPF_LD | BPF_W | BPF_ABS;
constexpr uint16_t LDH = BPF_LD | BPF_H | BPF_ABS;
constexpr uint16_t LDB = BPF_LD | BPF_B | BPF_ABS;
constexpr uint16_t JEQ = BPF_JMP | BPF_JEQ | BPF_K;
constexpr uint16_t RET = BPF_RET | BPF_K;

// The EtherType offsets the walks look at: after the addresses (12), after one tag (16), after two.
constexpr uint32_t kTypeAt[] = {12, 16, 20};

// The tag walk, from the EtherType at octet 12 (802.1Q 9.5: a C-tag or S-tag is a TPID then the
// TCI, 4 octets; CFM is EtherType 0x8902 after them): CFM there goes to found[t], a tag moves on
// 4 octets, up to `tags` tags, anything else is dropped. labels[t] names the load at kTypeAt[t].
void AddTagWalk(std::vector<Ins>& p, int tags, const char* const* labels, const char* const* found) {
  for (int t = 0; t <= tags; t++) {
    p.push_back({LDH, kTypeAt[t], nullptr, nullptr, labels[t]});
    if (t == tags) {
      p.push_back({JEQ, kEthPCfm, found[t], "drop", nullptr});
      return;
    }
    p.push_back({JEQ, kEthPCfm, found[t], nullptr, nullptr});
    p.push_back({JEQ, kTpidC, labels[t + 1], nullptr, nullptr});
    p.push_back({JEQ, kTpidS, labels[t + 1], "drop", nullptr});
  }
}

}  // namespace

// Keep CFM only: drop our own transmissions (pkttype OUTGOING), accept EtherType 0x8902 after
// up to two tags in the data. When the kernel stripped the outer tag (vlan-present extension
// set; the tag comes back via PACKET_AUXDATA) at most one more tag may follow in the data.
std::vector<sock_filter> CfmFilter(CfmPart part) {
  const uint32_t AD = static_cast<uint32_t>(SKF_AD_OFF);
  // kAll: every CFM EtherType match is taken. kCcm / kNotCcm: the match at EtherType offset o
  // goes on to the CFM header's OpCode, octet 2 after the EtherType (802.1Q 21.4.3), 1 = CCM.
  const bool all = part == CfmPart::kAll;
  static const char* const kOpcode[] = {"op12", "op16", "op20"};
  static const char* const kAccept[] = {"accept", "accept", "accept"};
  const char* const* found = all ? kAccept : kOpcode;
  std::vector<Ins> p = {
      {LD_ABS_W, AD + SKF_AD_PKTTYPE, nullptr, nullptr, nullptr},
      {JEQ, PACKET_OUTGOING, "drop", nullptr, nullptr},
      {LD_ABS_W, AD + SKF_AD_VLAN_TAG_PRESENT, nullptr, nullptr, nullptr},
      {JEQ, 0, nullptr, "stripped", nullptr},
  };
  // no tag stripped: 0, 1 or 2 tags in the data
  static const char* const kInData[] = {nullptr, "tag1", "tag2"};
  AddTagWalk(p, 2, kInData, found);
  // outer tag stripped by the kernel: 0 or 1 more tag in the data
  static const char* const kAfterStripped[] = {"stripped", "stag1"};
  AddTagWalk(p, 1, kAfterStripped, found);
  if (!all) {
    // A frame too short to hold the OpCode octet ends the program (out-of-bounds load = 0 =
    // drop) on both sockets; every real frame is padded to 60 octets and holds it.
    const char* ccm = part == CfmPart::kCcm ? "accept" : "drop";
    const char* other = part == CfmPart::kCcm ? "drop" : "accept";
    for (int t = 0; t < 3; t++) {
      p.push_back({LDB, kTypeAt[t] + 3, nullptr, nullptr, kOpcode[t]});
      p.push_back({JEQ, 1, ccm, other, nullptr});
    }
  }
  p.push_back({RET, 0x40000, nullptr, nullptr, "accept"});
  p.push_back({RET, 0, nullptr, nullptr, "drop"});
  return Assemble(p);
}

}  // namespace cfm
