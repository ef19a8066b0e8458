// Runs inside an installed cfm-offload (cwd = the project), on any architecture: loads the native
// parts through the package's resolver and exercises each once. Prints one JSON line. Used by
// test/arm (under qemu-user, compared with the same probe on x64).
import { loadAddon, addonPath } from 'cfm-offload/dist/native/addon.js';
import { platformTag } from 'cfm-offload/dist/native/resolve.js';
import { AsicDevice, mockAsicLibPath } from 'cfm-offload/dist/backends/asic-binding/index.js';

const out = { tag: platformTag(), arch: process.arch, node: process.version, glibc: process.report.getReport().header.glibcVersionRuntime };
const addon = loadAddon();
out.addonPath = addonPath().replace(process.cwd() + '/', '');
out.lo = addon.interfaceInfo('lo');

// the timer thread (the CCM scheduler's timerfd thread, as the benchmark calibration runs it)
const probe = addon.timerProbe(2_000_000, 20, false);
out.timer = { samples: probe.samples.length, policy: probe.policy, allPositive: Array.from(probe.samples).every((s) => s > 0) };

// the native CPU-protection policer: one aggregate binding, 2 pps for every opcode on levels 0..7
const program = Uint32Array.from([0xcf01, 1, 4, 0, 0, 1, 0, 0, 1, 0xff, 2, ...new Array(8).fill(0xffffffff)]);
const policer = new addon.CpuPolicer();
policer.configure(program);
const ccm = new Uint8Array(64);
ccm.set([0x01, 0x80, 0xc2, 0x00, 0x00, 0x33, 2, 0, 0, 0, 0, 9, 0x89, 0x02, 0x60, 0x01, 0x04, 0x46]);
const n = 12;
const data = new Uint8Array(n * ccm.length);
for (let i = 0; i < n; i++) data.set(ccm, i * ccm.length);
const times = Float64Array.from({ length: n }, (_, i) => 1e9 + i * 100e6); // 10 frames/s for 1.2 s
out.policer = Array.from(policer.admitBatch(0, data, new Uint32Array(n).fill(ccm.length), times)).join('');
policer.close();

// the mock ASIC through koffi
out.mockPath = mockAsicLibPath().replace(process.cwd() + '/', '');
const dev = AsicDevice.open(mockAsicLibPath(), 'ports=4;port_voes=8;peers=4');
const caps = dev.caps();
const id = dev.voeAlloc({ port: 1, direction: 0, level: 3, vlan: 0, unicast_mac: [2, 0, 0, 0, 0, 1], reserved: [0, 0], key: 'probe' });
const back = dev.voeConfGet(id);
out.mock = { ports: caps.ports, portVoes: caps.port_voes, description: caps.description, voe: [id > 0, back.level, back.key] };
dev.voeFree(id);
dev.close();

// AF_PACKET: the software datapath's socket (fails under qemu-user, which rejects PACKET_AUXDATA)
try {
  const s = new addon.PacketSocket('lo', {}, () => {});
  s.close();
  out.packet = 'ok';
} catch (e) {
  out.packet = `error: ${e.message}`;
}
console.log(JSON.stringify(out));
