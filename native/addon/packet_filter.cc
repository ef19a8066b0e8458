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

// Keep CFM only: drop our own transmissions (pkttype OUTGOING), accept EtherType 0x8902 after
// up to two tags in the data. When the kernel stripped the outer tag (vlan-present extension
// set; the tag comes back via PACKET_AUXDATA) at most one more tag may follow in the data.
}  // namespace

std::vector<sock_filter> CfmFilter(CfmPart part) {
  const uint16_t LD_ABS_W = BPF_LD | BPF_W | BPF_ABS;
  const uint16_t LDH = BPF_LD | BPF_H | BPF_ABS;
  const uint16_t LDB = BPF_LD | BPF_B | BPF_ABS;
  const uint16_t JEQ = BPF_JMP | BPF_JEQ | BPF_K;
  const uint16_t RET = BPF_RET | BPF_K;
  const uint32_t AD = static_cast<uint32_t>(SKF_AD_OFF);
  // kAll: every CFM EtherType match is taken. kCcm / kNotCcm: the match at EtherType offset o
  // goes on to the CFM header's OpCode, octet 2 after the EtherType (802.1Q 21.4.3), 1 = CCM.
  const bool all = part == CfmPart::kAll;
  const char* a12 = all ? "accept" : "op12";
  const char* a16 = all ? "accept" : "op16";
  const char* a20 = all ? "accept" : "op20";
  std::vector<Ins> p = {
      {LD_ABS_W, AD + SKF_AD_PKTTYPE, nullptr, nullptr, nullptr},
      {JEQ, PACKET_OUTGOING, "drop", nullptr, nullptr},
      {LD_ABS_W, AD + SKF_AD_VLAN_TAG_PRESENT, nullptr, nullptr, nullptr},
      {JEQ, 0, nullptr, "stripped", nullptr},
      // no tag stripped: 0, 1 or 2 tags in the data
      {LDH, 12, nullptr, nullptr, nullptr},
      {JEQ, kEthPCfm, a12, nullptr, nullptr},
      {JEQ, kTpidC, "tag1", nullptr, nullptr},
      {JEQ, kTpidS, "tag1", "drop", nullptr},
      {LDH, 16, nullptr, nullptr, "tag1"},
      {JEQ, kEthPCfm, a16, nullptr, nullptr},
      {JEQ, kTpidC, "tag2", nullptr, nullptr},
      {JEQ, kTpidS, "tag2", "drop", nullptr},
      {LDH, 20, nullptr, nullptr, "tag2"},
      {JEQ, kEthPCfm, a20, "drop", nullptr},
      // outer tag stripped by the kernel: 0 or 1 more tag in the data
      {LDH, 12, nullptr, nullptr, "stripped"},
      {JEQ, kEthPCfm, a12, nullptr, nullptr},
      {JEQ, kTpidC, "stag1", nullptr, nullptr},
      {JEQ, kTpidS, "stag1", "drop", nullptr},
      {LDH, 16, nullptr, nullptr, "stag1"},
      {JEQ, kEthPCfm, a16, "drop", nullptr},
  };
  if (!all) {
    // A frame too short to hold the OpCode octet ends the program (out-of-bounds load = 0 =
    // drop) on both sockets; every real frame is padded to 60 octets and holds it.
    const char* ccm = part == CfmPart::kCcm ? "accept" : "drop";
    const char* other = part == CfmPart::kCcm ? "drop" : "accept";
    p.push_back({LDB, 12 + 3, nullptr, nullptr, "op12"});
    p.push_back({JEQ, 1, ccm, other, nullptr});
    p.push_back({LDB, 16 + 3, nullptr, nullptr, "op16"});
    p.push_back({JEQ, 1, ccm, other, nullptr});
    p.push_back({LDB, 20 + 3, nullptr, nullptr, "op20"});
    p.push_back({JEQ, 1, ccm, other, nullptr});
  }
  p.push_back({RET, 0x40000, nullptr, nullptr, "accept"});
  p.push_back({RET, 0, nullptr, nullptr, "drop"});
  return Assemble(p);
}

}  // namespace cfm
