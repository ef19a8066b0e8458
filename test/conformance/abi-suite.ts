/**
 * The shim conformance suite: what every call of the vendor C ABI (native/asic/cfm_asic.h) must
 * do, including its errors, checked at the C level against any shared library:
 *
 *   npm run conformance -- --sdk path/to/libshim.so [--args "key=value;..."]
 *
 * It only uses the vendor ABI (no cfm_mock_* calls), so it runs on a real shim; parts that
 * depend on a capability the shim does not report are skipped with the reason printed. The
 * rules tested here are the ones docs/vendor-abi.md states.
 */
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import koffi from 'koffi';
import {
  ASIC_STATUS, AsicDevice, BINDING_ABI_VERSION, CAP_FRAME_IO, CAP_UP_MEP, CAP_VLAN_MEP, MAX_PEERS, POLICER_ANY_PORT,
  PORT_PUNT_ALL, loadAsicLib, type RawCaps, type RawCcConf, type RawVoeConf,
} from '../../src/backends/asic-binding/index.js';

const S = ASIC_STATUS;

/** Struct sizes fixed by the ABI (x86-64/aarch64 LP64; see docs/vendor-abi.md). */
export const ABI_STRUCT_SIZES: Record<string, number> = {
  cfm_asic_caps_t: 112,
  cfm_voe_conf_t: 88,
  cfm_cc_conf_t: 216,
  cfm_peer_status_t: 36,
  cfm_voe_status_t: 1200,
  cfm_asic_counters_t: 64,
  cfm_event_t: 32,
  cfm_frame_info_t: 24,
  cfm_policer_conf_t: 56,
  cfm_policer_counters_t: 16,
  cfm_voe_entry_t: 312,
};

function skip(ctx: TestContext, label: string, reason: string): void {
  console.warn(`[ABI conformance ${label}] skipped "${ctx.task.name}": ${reason}`);
  ctx.skip(reason);
}

function voeConf(over: Partial<RawVoeConf> = {}): RawVoeConf {
  return { port: 0, direction: 0, level: 3, vlan: 0, unicast_mac: [2, 0, 0, 0, 0, 1], reserved: [0, 0], key: 'conformance/voe', ...over };
}

function maid(): number[] {
  const m = new Array<number>(48).fill(0);
  m.splice(0, 7, 1, 2, 4, 0x63, 0x6f, 0x6e, 0x66); // MD none, MA "conf"
  return m;
}

function firstInterval(mask: number): number {
  for (let c = 4; c >= 1; c--) if (mask & (1 << c)) return c;
  for (let c = 5; c <= 7; c++) if (mask & (1 << c)) return c;
  return 0;
}

function ccConf(caps: RawCaps, over: Partial<RawCcConf> = {}): RawCcConf {
  const rxIv = firstInterval(caps.rx_intervals);
  const txIv = firstInterval(caps.tx_intervals & caps.rx_intervals) || firstInterval(caps.tx_intervals);
  const interval = txIv || rxIv || 4;
  const peers = [20, 21, 22].slice(0, Math.min(2, caps.peers_per_voe));
  return {
    maid: maid(), mep_id: 10, interval, priority: 6, peer_count: peers.length, peers,
    tx_enable: caps.ccm_tx_mode !== 0 && caps.tx_intervals & (1 << interval) ? 1 : 0,
    rx_enable: caps.rx_intervals & (1 << interval) ? 1 : 0,
    seq_update: 1, rdi: 0, port_status_tlv: 2, if_status_tlv: 1, ...over,
  };
}

export function runAbiConformance(label: string, libPath: string, openArgs: string): void {
  describe(`vendor C ABI conformance: ${label}`, () => {
    let dev: AsicDevice;
    let caps: RawCaps;
    const allocated: number[] = [];

    beforeEach(() => {
      dev = AsicDevice.open(libPath, openArgs);
      caps = dev.caps();
    });

    afterEach(() => {
      for (const id of allocated.splice(0)) dev.raw('voeFree', id);
      dev.close();
    });

    const alloc = (conf: RawVoeConf): number => {
      const id = dev.voeAlloc(conf);
      allocated.push(id);
      return id;
    };
    const free = (id: number): number => {
      const i = allocated.indexOf(id);
      if (i >= 0) allocated.splice(i, 1);
      return dev.raw('voeFree', id);
    };
    const portPool = (): boolean => caps.port_voes > 0;
    const anyConf = (over: Partial<RawVoeConf> = {}): RawVoeConf => voeConf({ vlan: portPool() ? 0 : 100, ...over });
    const needVoe = (ctx: TestContext): void => {
      if (caps.port_voes === 0 && (caps.service_voes === 0 || !(caps.flags & CAP_VLAN_MEP))) skip(ctx, label, 'no VOE can be allocated');
    };

    it('reports its ABI version and names every status', () => {
      const lib = loadAsicLib(libPath);
      expect(lib.abiVersion).toBe(BINDING_ABI_VERSION);
      for (const [name, code] of Object.entries(S)) {
        expect(lib.statusName(code)).toBe(name);
        expect(lib.strerror(code).length).toBeGreaterThan(0);
      }
      expect(lib.strerror(-999).length).toBeGreaterThan(0);
      for (const [t, size] of Object.entries(ABI_STRUCT_SIZES)) expect(koffi.sizeof(t), t).toBe(size);
    });

    it('refuses open arguments it does not understand (EINVAL)', () => {
      const out: [bigint | null] = [null];
      expect(loadAsicLib(libPath).open('no_such_key_42=1', out)).toBe(S.EINVAL);
    });

    it('reports consistent capabilities', () => {
      expect(caps.abi_version).toBe(BINDING_ABI_VERSION);
      expect(caps.ports).toBeGreaterThan(0);
      expect(caps.peers_per_voe).toBeGreaterThanOrEqual(1);
      expect(caps.peers_per_voe).toBeLessThanOrEqual(MAX_PEERS);
      for (const m of [caps.tx_intervals, caps.rx_intervals]) expect(m & ~0xfe).toBe(0);
      expect(caps.flags & ~0x1f).toBe(0);
      expect([0, 1, 2]).toContain(caps.ccm_tx_mode);
      if (caps.ccm_tx_mode === 0) expect(caps.tx_intervals).toBe(0);
      if (caps.ccm_tx_mode !== 2) expect(caps.injector_budget_fps).toBe(0);
      expect(typeof caps.description).toBe('string');
      expect(caps.punt_queue_len).toBeGreaterThanOrEqual(0);
      expect(dev.raw('countersGet', {})).toBe(S.OK);
    });

    it('optional "generation" calls: each successful config call moves it by one; the dump equals the per-VOE reads', (ctx) => {
      if (!dev.lib.generation) return skip(ctx, label, 'no cfm_asic_config_generation / cfm_voe_dump (optional calls)');
      needVoe(ctx);
      const g0 = dev.configGeneration()!;
      const conf = anyConf({ key: 'conformance/generation' });
      const id = alloc(conf);
      expect(dev.configGeneration()).toBe(g0 + 1n);
      expect(dev.raw('voeConfSet', id, { ...conf, level: 8 })).toBe(S.EINVAL); // refused: no change
      expect(dev.configGeneration()).toBe(g0 + 1n);
      const cc = ccConf(caps);
      dev.ccSet(id, cc);
      dev.rdiSet(id, true);
      dev.setPortFlags(0, dev.portFlags(0));
      expect(dev.configGeneration()).toBe(g0 + 4n);
      dev.voeConfGet(id);
      dev.ccGet(id);
      dev.voeList();
      dev.status(id, true);
      dev.counters();
      dev.pollEvents();
      expect(dev.configGeneration()).toBe(g0 + 4n); // reads change nothing
      // the bulk dump: every VOE in use, ascending, as the per-VOE calls read it, with the generation
      const max = dev.voeList().length;
      const buf = new Uint8Array(max * koffi.sizeof('cfm_voe_entry_t'));
      const count = [0];
      const gen: [bigint | number] = [0];
      expect(dev.lib.generation.dump(dev.rawHandle, buf, max, count, gen)).toBe(S.OK);
      expect(count[0]).toBe(max);
      expect(BigInt(gen[0])).toBe(g0 + 4n);
      dev.invalidate();
      const snap = dev.voeSnapshot();
      expect(snap.map((e) => e.handle)).toEqual(dev.voeList());
      const e = snap.find((x) => x.handle === id)!;
      const back = dev.voeConfGet(id);
      expect(e.conf).toEqual({ ...back, unicast_mac: Array.from(back.unicast_mac), reserved: Array.from(back.reserved) });
      const backCc = dev.ccGet(id);
      expect(e.cc).toEqual({ ...backCc, maid: Array.from(backCc.maid), peers: Array.from(backCc.peers) });
      expect(e.cc!.rdi).toBe(1);
      // a short buffer still reports the full count
      expect(dev.lib.generation.dump(dev.rawHandle, new Uint8Array(0), 0, count, gen)).toBe(S.OK);
      expect(count[0]).toBe(max);
      expect(free(id)).toBe(S.OK);
      expect(dev.configGeneration()).toBe(g0 + 5n);
    });

    it('optional "tx_seq" calls: a new VOE starts at 1, the seed survives the CC config and reads back', (ctx) => {
      if (!dev.lib.txSeq) return skip(ctx, label, 'no cfm_voe_tx_seq_set / cfm_voe_tx_seq_get (optional calls)');
      needVoe(ctx);
      const id = alloc(anyConf({ key: 'conformance/seq' }));
      expect(dev.txSeqGet(id)).toBe(1);
      dev.txSeqSet(id, 0xfffffff0); // any uint32, before the first CC config
      dev.ccSet(id, ccConf(caps, { tx_enable: 0 })); // no CCM may go out meanwhile
      expect(dev.txSeqGet(id)).toBe(0xfffffff0);
      dev.ccSet(id, ccConf(caps, { tx_enable: 0, priority: 3 }));
      expect(dev.txSeqGet(id)).toBe(0xfffffff0);
      const unknown = 0x7fffffff;
      expect(dev.lib.txSeq.set(dev.rawHandle, unknown, 1)).toBe(S.ENOENT);
      expect(dev.lib.txSeq.get(dev.rawHandle, unknown, [0])).toBe(S.ENOENT);
    });

    it('allocates, reads back, reconfigures, lists and frees a VOE', (ctx) => {
      needVoe(ctx);
      const key = 'k'.repeat(63); // the longest key
      const conf = anyConf({ key, level: 2, unicast_mac: [2, 0x11, 0x22, 0x33, 0x44, 0x55] });
      const id = alloc(conf);
      expect(id).not.toBe(0);
      const back = dev.voeConfGet(id);
      expect({ ...back, unicast_mac: Array.from(back.unicast_mac), reserved: Array.from(back.reserved) }).toEqual(conf);
      expect(dev.voeList()).toContain(id);
      const moved = { ...conf, level: 6, key: 'conformance/moved' };
      dev.voeConfSet(id, moved);
      expect(dev.voeConfGet(id)).toMatchObject({ level: 6, key: 'conformance/moved' });
      // list with a short buffer still reports the full count
      const count = [0];
      expect(dev.raw('voeList', new Uint32Array(0), 0, count)).toBe(S.OK);
      expect(count[0]).toBe(dev.voeList().length);
      expect(free(id)).toBe(S.OK);
      expect(dev.voeList()).not.toContain(id);
      expect(dev.raw('voeConfGet', id, {})).toBe(S.ENOENT);
      expect(free(id)).toBe(S.ENOENT);
    });

    it('rejects invalid VOE configurations', (ctx) => {
      needVoe(ctx);
      const id = [0];
      const bad = (over: Partial<RawVoeConf>): number => dev.raw('voeAlloc', anyConf(over), id);
      expect(bad({ port: caps.ports })).toBe(S.EINVAL);
      expect(bad({ level: 8 })).toBe(S.EINVAL);
      expect(bad({ direction: 2 })).toBe(S.EINVAL);
      expect(bad({ vlan: 4095 })).toBe(S.EINVAL);
      expect(bad({ unicast_mac: [1, 0, 0, 0, 0, 1] })).toBe(S.EINVAL); // multicast
      if (!(caps.flags & CAP_UP_MEP)) expect(bad({ direction: 1 })).toBe(S.ENOTSUP);
      if (!(caps.flags & CAP_VLAN_MEP)) expect(bad({ vlan: 100 })).toBe(S.ENOTSUP);
      // a key of 64 bytes without NUL
      const lib = koffi.load(libPath);
      const BytesConf = koffi.struct({
        port: 'uint32_t', direction: 'uint32_t', level: 'uint32_t', vlan: 'uint32_t',
        unicast_mac: koffi.array('uint8_t', 6), reserved: koffi.array('uint8_t', 2), key: koffi.array('uint8_t', 64),
      });
      const allocBytes = lib.func('cfm_voe_alloc', 'int32_t', ['cfm_asic_t *', koffi.pointer(BytesConf), koffi.out(koffi.pointer('uint32_t'))]);
      const h = dev.rawHandle;
      expect(allocBytes(h, { ...anyConf(), key: new Array(64).fill(0x41) }, id)).toBe(S.EINVAL);
      expect(dev.voeList()).toEqual([]);
    });

    it('refuses a second VOE on the same port, VLAN, direction and level (EBUSY)', (ctx) => {
      needVoe(ctx);
      const a = alloc(anyConf({ level: 1 }));
      expect(dev.raw('voeAlloc', anyConf({ level: 1, key: 'other' }), [0])).toBe(S.EBUSY);
      const b = alloc(anyConf({ level: 2 }));
      expect(dev.raw('voeConfSet', b, anyConf({ level: 1 }))).toBe(S.EBUSY);
      expect(dev.raw('voeConfSet', a, anyConf({ level: 1, key: 'same-slot' }))).toBe(S.OK);
    });

    it('returns ENOENT for VOE ids that are not allocated', () => {
      for (const id of [0, 0x7fffffff]) {
        expect(dev.raw('voeConfGet', id, {})).toBe(S.ENOENT);
        expect(dev.raw('voeConfSet', id, anyConf())).toBe(S.ENOENT);
        expect(dev.raw('voeFree', id)).toBe(S.ENOENT);
        expect(dev.raw('ccSet', id, { ...ccConf(caps), peers: new Array(MAX_PEERS).fill(0) })).toBe(S.ENOENT);
        expect(dev.raw('ccGet', id, {})).toBe(S.ENOENT);
        expect(dev.raw('rdiSet', id, 1)).toBe(S.ENOENT);
        expect(dev.raw('statusGet', id, 0, {})).toBe(S.ENOENT);
      }
    });

    it('stores the CC configuration and reads it back', (ctx) => {
      needVoe(ctx);
      const id = alloc(anyConf());
      expect(dev.raw('ccGet', id, {})).toBe(S.ENOENT); // no CC config yet
      const cc = ccConf(caps);
      dev.ccSet(id, cc);
      const back = dev.ccGet(id);
      expect({ ...back, maid: Array.from(back.maid), peers: back.peers.slice(0, back.peer_count) }).toEqual(cc);
      expect(back.peers.slice(back.peer_count).every((p) => p === 0)).toBe(true);
      dev.rdiSet(id, true);
      expect(dev.ccGet(id).rdi).toBe(1);
      expect(dev.raw('rdiSet', id, 2)).toBe(S.EINVAL);
      const st = dev.status(id, false);
      expect(st.peer_count).toBe(cc.peer_count);
      expect(st.peers.slice(0, st.peer_count).map((p) => p.mep_id)).toEqual(cc.peers);
      for (const n of [st.ccm_tx, st.ccm_rx_valid, st.ccm_rx_invalid, st.ccm_rx_out_of_order, st.cpu_copies]) expect(n).toBeGreaterThanOrEqual(0);
      expect(dev.raw('statusGet', id, 2, {})).toBe(S.EINVAL);
    });

    it('validates CC configurations (EINVAL for bad values, ENOTSUP for what the hardware lacks)', (ctx) => {
      needVoe(ctx);
      const id = alloc(anyConf());
      const cc = (over: Partial<RawCcConf>): number => {
        const c = { ...ccConf(caps), ...over };
        const peers = c.peers.slice(0, MAX_PEERS);
        while (peers.length < MAX_PEERS) peers.push(0);
        return dev.raw('ccSet', id, { ...c, peers });
      };
      expect(cc({ mep_id: 0 })).toBe(S.EINVAL);
      expect(cc({ mep_id: 8192 })).toBe(S.EINVAL);
      expect(cc({ interval: 0 })).toBe(S.EINVAL);
      expect(cc({ interval: 8 })).toBe(S.EINVAL);
      expect(cc({ priority: 8 })).toBe(S.EINVAL);
      expect(cc({ peer_count: MAX_PEERS + 1 })).toBe(S.EINVAL);
      expect(cc({ peer_count: 1, peers: [0] })).toBe(S.EINVAL);
      expect(cc({ peer_count: 1, peers: [8192] })).toBe(S.EINVAL);
      for (const f of ['tx_enable', 'rx_enable', 'seq_update', 'rdi'] as const) expect(cc({ [f]: 2 })).toBe(S.EINVAL);
      expect(cc({ port_status_tlv: 3 })).toBe(S.EINVAL);
      expect(cc({ if_status_tlv: 8 })).toBe(S.EINVAL);
      if (caps.peers_per_voe >= 2) expect(cc({ peer_count: 2, peers: [5, 5] })).toBe(S.EINVAL);
      if (caps.peers_per_voe < MAX_PEERS) {
        const n = caps.peers_per_voe + 1;
        expect(cc({ peer_count: n, peers: Array.from({ length: n }, (_, i) => 100 + i) })).toBe(S.ENOTSUP);
      }
      for (let iv = 1; iv <= 7; iv++) {
        if (!(caps.rx_intervals & (1 << iv))) expect(cc({ interval: iv, rx_enable: 1, tx_enable: 0 }), `rx interval ${iv}`).toBe(S.ENOTSUP);
        if (!(caps.tx_intervals & (1 << iv))) expect(cc({ interval: iv, rx_enable: 0, tx_enable: 1 }), `tx interval ${iv}`).toBe(S.ENOTSUP);
      }
      expect(dev.raw('ccGet', id, {})).toBe(S.ENOENT); // none of the failures wrote anything
    });

    it('fills the port VOE table and then reports ENOSPC', (ctx) => {
      const dirs = caps.flags & CAP_UP_MEP ? 2 : 1;
      if (caps.port_voes === 0) return skip(ctx, label, 'no port VOEs');
      if (caps.port_voes > 4096 || caps.port_voes >= caps.ports * 8 * dirs) return skip(ctx, label, `port VOE table of ${caps.port_voes} too large to fill`);
      const slot = (i: number): RawVoeConf => voeConf({ key: `fill/${i}`, level: i % 8, port: Math.floor(i / 8) % caps.ports, direction: Math.floor(i / (8 * caps.ports)) % 2 });
      for (let i = 0; i < caps.port_voes; i++) alloc(slot(i));
      expect(dev.raw('voeAlloc', slot(caps.port_voes), [0])).toBe(S.ENOSPC);
      expect(dev.voeList().length).toBe(caps.port_voes);
    });

    it('fills the service VOE table and then reports ENOSPC', (ctx) => {
      if (caps.service_voes === 0 || !(caps.flags & CAP_VLAN_MEP)) return skip(ctx, label, 'no service VOEs');
      if (caps.service_voes > 4094) return skip(ctx, label, `service VOE table of ${caps.service_voes} too large to fill`);
      for (let i = 0; i < caps.service_voes; i++) alloc(voeConf({ key: `svc/${i}`, vlan: 1 + i }));
      expect(dev.raw('voeAlloc', voeConf({ key: 'svc/extra', vlan: 4094 }), [0])).toBe(S.ENOSPC);
    });

    it('polls events without blocking', () => {
      const count = [99];
      expect(dev.raw('eventPoll', [], 0, count)).toBe(S.OK);
      expect(count[0]).toBe(0);
      expect(dev.pollEvents()).toEqual([]); // nothing configured, nothing happened
    });

    it('moves frames between the CPU and the ports', (ctx) => {
      const frame = new Uint8Array(64);
      frame.set([0x01, 0x80, 0xc2, 0x00, 0x00, 0x33, 2, 0, 0, 0, 0, 9, 0x89, 0x02, 0x60, 0x03, 0, 4]);
      if (!(caps.flags & CAP_FRAME_IO)) {
        expect(dev.raw('frameTx', 0, frame, frame.length, 0)).toBe(S.ENOTSUP);
        return skip(ctx, label, 'no frame I/O');
      }
      expect(dev.frameRx()).toBeNull(); // EAGAIN on an empty queue
      expect(dev.raw('frameTx', 0, frame, frame.length, 0)).toBe(S.OK);
      expect(dev.raw('frameTx', caps.ports, frame, frame.length, 0)).toBe(S.EINVAL);
      expect(dev.raw('frameTx', 0, frame, 10, 0)).toBe(S.EINVAL);
      expect(dev.raw('frameTx', 0, frame, frame.length, 2)).toBe(S.EINVAL);
    });

    it('keeps port flags', () => {
      dev.setPortFlags(0, PORT_PUNT_ALL);
      expect(dev.portFlags(0)).toBe(PORT_PUNT_ALL);
      dev.setPortFlags(0, 0);
      expect(dev.portFlags(0)).toBe(0);
      expect(dev.raw('portFlagsSet', caps.ports, 0)).toBe(S.EINVAL);
      expect(dev.raw('portFlagsSet', 0, 0x80)).toBe(S.EINVAL);
      expect(dev.raw('portFlagsGet', caps.ports, [0])).toBe(S.EINVAL);
    });

    it('configures policers and reads their counters', (ctx) => {
      const conf = { enable: 1, port: POLICER_ANY_PORT, vlan: 0, level_mask: 0xe0, opcode_mask: [0x28, 0, 0, 0, 0, 0, 0, 0], rate_pps: 10, burst: 0 };
      if (caps.policers === 0) {
        expect([S.ENOTSUP, S.EINVAL]).toContain(dev.raw('policerSet', 0, conf));
        return skip(ctx, label, 'no policers');
      }
      const last = caps.policers - 1;
      dev.policerSet(last, conf);
      expect(dev.policerGet(last)).toEqual(conf);
      expect(dev.policerCounters(last)).toEqual({ passed: 0, dropped: 0 });
      expect(dev.raw('policerSet', caps.policers, conf)).toBe(S.EINVAL);
      expect(dev.raw('policerGet', caps.policers, {})).toBe(S.EINVAL);
      expect(dev.raw('policerCountersGet', last, 2, {})).toBe(S.EINVAL);
      expect(dev.raw('policerSet', last, { ...conf, port: caps.ports })).toBe(S.EINVAL);
      expect(dev.raw('policerSet', last, { ...conf, level_mask: 0x100 })).toBe(S.EINVAL);
    });
  });
}
