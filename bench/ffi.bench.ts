/**
 * FFI cost of the ASIC binding (koffi -> libcfm_mock_asic.so): ns per call for the VOE
 * operations a manager makes (create = alloc + CC config, update, status read, delete), both as
 * raw binding calls (AsicDevice) and through the async Backend API (MockAsicBackend), and the
 * time to create and delete 8,192 VOEs on the mock. The mock does little work per call, so the
 * figures are mostly binding + marshalling overhead.
 */
import type { BenchRow } from './run.js';
import { AsicDevice, mockAsicLibPath, type RawCcConf, type RawVoeConf } from '../src/backends/asic-binding/index.js';
import { MockAsicBackend } from '../src/backends/mock/index.js';
import type { VoeSpec } from '../src/backends/types.js';

export const name = 'ffi (koffi binding, mock ASIC)';

const MAID = Array.from({ length: 48 }, (_, i) => (i < 6 ? [1, 2, 3, 0x61, 0x62, 0x63][i] : 0));

function conf(i: number): RawVoeConf {
  // service VOEs on distinct (vlan, level) so 8,192 fit without colliding
  return { port: i % 4, direction: 0, level: i % 8, vlan: 1 + (Math.floor(i / 8) % 4094), unicast_mac: [2, 0, 0, 0, (i >> 8) & 0xff, i & 0xff], reserved: [0, 0], key: `bench/voe${i}` };
}

function cc(i: number, rdi = 0): RawCcConf {
  return { maid: MAID, mep_id: 1 + (i % 8000), interval: 4, priority: 7, peer_count: 1, peers: [8191], tx_enable: 1, rx_enable: 1, seq_update: 1, rdi, port_status_tlv: 0, if_status_tlv: 0 };
}

function nsPer(n: number, fn: (i: number) => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / n;
}

async function nsPerAsync(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn(i);
  return Number(process.hrtime.bigint() - t0) / n;
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const lib = mockAsicLibPath();
  const N = 2000;

  // raw binding calls
  {
    const dev = AsicDevice.open(lib, `ports=4;port_voes=0;service_voes=${N}`);
    const ids: number[] = [];
    rows.push({ case: 'raw create (alloc + cc_set)', value: nsPer(N, (i) => { const id = dev.voeAlloc(conf(i)); dev.ccSet(id, cc(i)); ids.push(id); }) / 1000, unit: 'us/op' });
    rows.push({ case: 'raw update (cc_set)', value: nsPer(N, (i) => dev.ccSet(ids[i], cc(i, 1))) / 1000, unit: 'us/op' });
    rows.push({ case: 'raw status read', value: nsPer(N, (i) => dev.status(ids[i])) / 1000, unit: 'us/op' });
    rows.push({ case: 'raw rdi set', value: nsPer(N, (i) => dev.rdiSet(ids[i], i % 2 === 0)) / 1000, unit: 'us/op' });
    rows.push({ case: 'raw delete (free)', value: nsPer(N, (i) => dev.voeFree(ids[i])) / 1000, unit: 'us/op' });
    rows.push({ case: 'raw abi call floor (caps_get)', value: nsPer(N, () => dev.caps()), unit: 'ns/op' });
    dev.close();
  }

  // through the Backend contract (async, VoeSpec conversion, read-back friendly)
  {
    const b = new MockAsicBackend({ ports: 4, portVoes: 0, serviceVoes: N });
    const spec = (i: number, rdi = false): VoeSpec => {
      const c = conf(i);
      return { key: c.key, port: b.ports()[c.port], direction: 'down', level: c.level, vlan: c.vlan, unicastMac: `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`, mepId: 1 + (i % 8000), maid: Uint8Array.from(MAID), interval: 4, priority: 7, peers: [8191], ccmTx: true, ccmRx: true, seqUpdate: true, rdi, portStatusTlv: 0, interfaceStatusTlv: 0 };
    };
    const hs: number[] = [];
    rows.push({ case: 'Backend.createVoe', value: (await nsPerAsync(N, async (i) => hs.push(await b.createVoe(spec(i))))) / 1000, unit: 'us/op' });
    rows.push({ case: 'Backend.updateVoe', value: (await nsPerAsync(N, (i) => b.updateVoe(hs[i], spec(i, true)))) / 1000, unit: 'us/op' });
    rows.push({ case: 'Backend.readStatus', value: (await nsPerAsync(N, (i) => b.readStatus(hs[i]))) / 1000, unit: 'us/op' });
    const t0 = process.hrtime.bigint();
    const list = await b.listVoes();
    rows.push({ case: `Backend.listVoes (${list.length} VOEs)`, value: Number(process.hrtime.bigint() - t0) / 1e6, unit: 'ms' });
    rows.push({ case: 'Backend.deleteVoe', value: (await nsPerAsync(N, (i) => b.deleteVoe(hs[i]))) / 1000, unit: 'us/op' });
    await b.close();
  }

  // 8,192 VOEs on the mock: create all, delete all
  {
    const M = 8192;
    const dev = AsicDevice.open(lib, `ports=4;port_voes=0;service_voes=${M}`);
    const t0 = process.hrtime.bigint();
    const ids: number[] = [];
    for (let i = 0; i < M; i++) {
      const id = dev.voeAlloc(conf(i));
      dev.ccSet(id, cc(i));
      ids.push(id);
    }
    const t1 = process.hrtime.bigint();
    for (const id of ids) dev.voeFree(id);
    const t2 = process.hrtime.bigint();
    rows.push({ case: 'create 8,192 VOEs (raw)', value: Number(t1 - t0) / 1e6, unit: 'ms', note: 'mock checks slot uniqueness by table scan: O(n) per alloc' });
    rows.push({ case: 'delete 8,192 VOEs (raw)', value: Number(t2 - t1) / 1e6, unit: 'ms' });
    dev.close();
  }
  return rows;
}
