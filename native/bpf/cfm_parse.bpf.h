// SPDX-License-Identifier: MIT OR GPL-2.0
/* cfm.bpf.c's parser: where the CFM header is and which VLAN the frame is on (a tag in the data,
 * or at tc the one the NIC or the stack stripped, in skb metadata). */
#ifndef CFM_PARSE_BPF_H
#define CFM_PARSE_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define ETH_P_CFM_ 0x8902
#define TPID_C 0x8100
#define TPID_S 0x88a8

/* What the parser found. */
struct frame_info {
  __u32 ifindex;
  __u32 len;      /* frame length (without a stripped tag) */
  __u32 pdu;      /* offset of the CFM header in the data */
  __u16 vlan;
  __s16 pcp;      /* -1: untagged */
  __u8 meta_tag;  /* tc: the outer tag is in skb metadata, not in the data */
  __u16 meta_tci;
  __u16 meta_tpid;
};

/* In-data VLAN tags: up to two (802.1Q / 802.1ad); the first one not stripped is the outer. */
static __always_inline int parse_tags(void *data, void *data_end, struct frame_info *fi, __u8 tags) {
  __u32 off = 12;
  for (int i = 0; i < 2; i++) {
    __u8 *q = data + off;
    if ((void *)(q + 2) > data_end) return -1;
    __u16 type = ((__u16)q[0] << 8) | q[1];
    if (type == ETH_P_CFM_) {
      fi->pdu = off + 2;
      return tags;
    }
    if (type != TPID_C && type != TPID_S) return -1;
    if ((void *)(q + 4) > data_end) return -1;
    if (tags == 0) {
      fi->vlan = (((__u16)q[2] << 8) | q[3]) & 0xfff;
      fi->pcp = q[2] >> 5;
    }
    tags++;
    off += 4;
  }
  __u8 *q = data + off;
  if ((void *)(q + 2) > data_end) return -1;
  if (q[0] != 0x89 || q[1] != 0x02) return -1;
  fi->pdu = off + 2;
  return tags;
}

#endif
