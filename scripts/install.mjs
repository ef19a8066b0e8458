// `install` lifecycle script of the package. In a source checkout it does nothing (`prepare`
// builds the native parts and dist/ as before). In an installed package it checks that the native
// parts load, through the same resolver the library uses (build/Release, then
// prebuilds/<platform>-<arch>/): a board gets the prebuild and needs no compiler. Only when none
// loads does it build from source (cmake + a C/C++ compiler), and when that is impossible it says
// what it tried and why, and fails the install; CFM_SKIP_NATIVE=1 installs without the native
// parts (config, PDU codec, simulator and the CLI's offline commands still work).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildNative, root } from './lib/native-build.mjs';

if (existsSync(join(root, 'src', 'index.ts')) || !existsSync(join(root, 'dist', 'native', 'resolve.js'))) process.exit(0);
if (process.platform !== 'linux') {
  console.warn(`cfm-offload: no native parts on ${process.platform} (they need Linux); config, PDU codec and simulator work without them`);
  process.exit(0);
}

// `npm install --cpu arm64 ...` on another machine (preparing a board's node_modules): the
// binaries are for the board; nothing here can load or build them, the resolver picks
// prebuilds/linux-<cpu>/ when the package runs there.
const cpu = process.env.npm_config_cpu;
if (cpu && cpu !== process.arch) {
  console.log(`cfm-offload: installing for ${process.platform}-${cpu} on ${process.arch}: native parts not checked here (prebuilds/linux-${cpu} is used on the board)`);
  process.exit(0);
}

const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);

/** Load both native parts in a fresh resolver; returns the error text of what failed. */
async function check() {
  const problems = [];
  const found = [];
  try {
    const { loadAddon, addonPath } = await dist('native/addon.js');
    loadAddon();
    found.push(addonPath());
  } catch (e) {
    problems.push(e.message);
  }
  try {
    // koffi itself may lack a binary for this machine: that is a problem to report, not a crash
    const { mockAsicLibPath } = await dist('backends/asic-binding/paths.js');
    found.push(mockAsicLibPath());
  } catch (e) {
    problems.push(e.message);
  }
  return { problems, found };
}

/**
 * The optional eBPF module (cfm_bpf.node, linking libbpf.so.1): said, never a failed install.
 * Without it `--datapath auto` runs AF_PACKET and says why.
 */
async function reportBpf() {
  try {
    const { bpfModulePath, loadBpfModule } = await dist('native/bpf.js');
    const m = loadBpfModule();
    console.log(`cfm-offload: eBPF datapath module: ${bpfModulePath().slice(root.length + 1)} (libbpf ${String(m.libbpfVersion).replace(/^v/, '')})`);
  } catch (e) {
    console.log(`cfm-offload: no eBPF datapath (the AF_PACKET receive path is used): ${e.message}`);
  }
}

const first = await check();
if (!first.problems.length) {
  console.log(`cfm-offload: native parts for ${process.platform}-${process.arch}: ${first.found.map((p) => p.slice(root.length + 1)).join(', ')}`);
  await reportBpf();
  process.exit(0);
}
if (process.env.CFM_SKIP_NATIVE === '1') {
  console.warn(`cfm-offload: CFM_SKIP_NATIVE=1: installed without loadable native parts:\n${first.problems.join('\n')}`);
  process.exit(0);
}
console.log(`cfm-offload: no prebuilt native parts load here; building from source:\n${first.problems.join('\n')}`);
const r = buildNative();
if (!r.ok) {
  console.error(`cfm-offload: no prebuild loads on ${process.platform}-${process.arch} and building from source failed: ${r.cause}\n`
    + 'install cmake and a C/C++ compiler and reinstall, or set CFM_SKIP_NATIVE=1 to install without the native parts');
  process.exit(1);
}
console.log('cfm-offload: native parts built from source into build/Release');
await reportBpf();
