/**
 * Byte-level decoding of the ABI's bulk buffers (cfm_voe_dump entries, cfm_voe_status_t), by
 * offsets taken from the koffi layouts (which the conformance suite pins to the C header).
 */
import koffi from 'koffi';
import { CcConfT, KEY_LEN, MAID_LEN, MAX_PEERS, PeerStatusT, VoeConfT, VoeEntryT, VoeStatusT, type RawCcConf, type RawPeerStatus, type RawVoeConf, type RawVoeStatus } from './abi.js';
import type { VoeEntry } from './voe-entry.js';

/* cfm_voe_entry_t offsets from the koffi layout (pinned to the header's sizes by the suite). */
const EN = {
  conf: koffi.offsetof(VoeEntryT, 'conf'),
  cc: koffi.offsetof(VoeEntryT, 'cc'),
  mac: koffi.offsetof(VoeConfT, 'unicast_mac'),
  key: koffi.offsetof(VoeConfT, 'key'),
  mepId: koffi.offsetof(CcConfT, 'mep_id'),
  peers: koffi.offsetof(CcConfT, 'peers'),
  txEnable: koffi.offsetof(CcConfT, 'tx_enable'),
};
const dec = new TextDecoder();

/** NUL-terminated key: ASCII keys (the usual) without a TextDecoder call per entry. */
function decodeKey(buf: Uint8Array, at: number): string {
  let end = at;
  let ascii = true;
  while (end < at + KEY_LEN && buf[end] !== 0) {
    if (buf[end] >= 0x80) ascii = false;
    end++;
  }
  if (!ascii) return dec.decode(buf.subarray(at, end));
  let out = '';
  for (let i = at; i < end; i++) out += String.fromCharCode(buf[i]);
  return out;
}

function bytes(buf: Uint8Array, at: number, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = buf[at + i];
  return out;
}

export function decodeEntries(buf: Uint8Array, count: number): VoeEntry[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u32 = (o: number): number => dv.getUint32(o, true);
  const out: VoeEntry[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const b = i * VoeEntryT.size;
    const c = b + EN.conf;
    const conf: RawVoeConf = {
      port: u32(c), direction: u32(c + 4), level: u32(c + 8), vlan: u32(c + 12),
      unicast_mac: bytes(buf, c + EN.mac, 6), reserved: bytes(buf, c + EN.mac + 6, 2), key: decodeKey(buf, c + EN.key),
    };
    let cc: RawCcConf | null = null;
    if (u32(b + 4) === 1) {
      const o = b + EN.cc;
      const m = o + EN.mepId;
      const peers = new Array<number>(MAX_PEERS);
      for (let p = 0; p < MAX_PEERS; p++) peers[p] = u32(o + EN.peers + 4 * p);
      const t = o + EN.txEnable;
      cc = {
        maid: bytes(buf, o, MAID_LEN), mep_id: u32(m), interval: u32(m + 4), priority: u32(m + 8), peer_count: u32(m + 12),
        peers, tx_enable: u32(t), rx_enable: u32(t + 4), seq_update: u32(t + 8), rdi: u32(t + 12), port_status_tlv: u32(t + 16), if_status_tlv: u32(t + 20),
      };
    }
    out[i] = { handle: u32(b), conf, cc };
  }
  return out;
}

export function padPeers(cc: RawCcConf): RawCcConf {
  const peers = cc.peers.slice(0, MAX_PEERS);
  while (peers.length < MAX_PEERS) peers.push(0);
  return { ...cc, peers };
}

/* Offsets from the koffi layout (which the conformance suite pins to the C header's sizes). */
const ST = {
  peers: koffi.offsetof(VoeStatusT, 'peers'),
  ccmTx: koffi.offsetof(VoeStatusT, 'ccm_tx'),
  peerSize: PeerStatusT.size,
  mac: koffi.offsetof(PeerStatusT, 'mac'),
};

export function decodeStatus(buf: Uint8Array): RawVoeStatus {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u32 = (o: number): number => dv.getUint32(o, true);
  const u64 = (o: number): number => Number(dv.getBigUint64(o, true));
  const count = Math.min(u32(0), MAX_PEERS);
  const peers: RawPeerStatus[] = [];
  for (let i = 0; i < count; i++) {
    const o = ST.peers + i * ST.peerSize;
    peers.push({
      mep_id: u32(o), loc: u32(o + 4), rdi: u32(o + 8), seen: u32(o + 12), port_status_tlv: u32(o + 16),
      if_status_tlv: u32(o + 20), last_seq: u32(o + 24), mac: buf.slice(o + ST.mac, o + ST.mac + 6), reserved: buf.slice(o + ST.mac + 6, o + ST.mac + 8),
    });
  }
  const c = ST.ccmTx;
  return {
    peer_count: u32(0), sticky: u32(4), peers,
    ccm_tx: u64(c), ccm_rx_valid: u64(c + 8), ccm_rx_invalid: u64(c + 16), ccm_rx_out_of_order: u64(c + 24), cpu_copies: u64(c + 32),
  };
}
