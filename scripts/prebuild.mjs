// `npm run prebuild [-- linux-x64 linux-arm64 linux-arm]`: the N-API addon and the mock ASIC
// library for each target, into prebuilds/<platform>-<arch>/ (what the package ships and
// src/native/resolve.ts loads when there is no source build). ARM targets are cross-compiled with
// Debian's toolchains (g++-aarch64-linux-gnu, g++-arm-linux-gnueabihf; .ci/apt-packages) through
// cmake-js and scripts/toolchains/<target>.cmake; Node's headers come from the local Node install
// (nothing is downloaded). The eBPF datapath is its own module, cfm_bpf.node (linking
// libbpf.so.1; the addon never does): built for linux-x64, where this host has clang, bpftool and
// libbpf-dev; the ARM targets ship without it (a cross build would need the target's libbpf and
// its headers; a board that wants it builds from source). The BPF object itself is architecture
// independent and embedded in the module.
// Each target gets a manifest.json: sizes, the newest glibc / libstdc++ symbol versions the
// binaries need (objdump -T), the N-API version and the toolchain.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildNative, root, which } from './lib/native-build.mjs';

const TARGETS = {
  'linux-x64': { triple: 'x86_64-linux-gnu', hostArch: 'x64', bpf: true },
  'linux-arm64': { triple: 'aarch64-linux-gnu', bpf: false },
  'linux-arm': { triple: 'arm-linux-gnueabihf', bpf: false },
};
const FILES = ['cfm_addon.node', 'libcfm_mock_asic.so'];
const BPF_FILE = 'cfm_bpf.node';

const args = process.argv.slice(2);
// --if-stale: skip a target whose prebuild is newer than every native source (test scripts)
const ifStale = args.includes('--if-stale');
const wanted = args.filter((a) => a !== '--if-stale');
for (const t of wanted) {
  if (!TARGETS[t]) {
    console.error(`prebuild: unknown target '${t}' (targets: ${Object.keys(TARGETS).join(', ')})`);
    process.exit(2);
  }
}

/** Highest version of each symbol-version family (GLIBC_, GLIBCXX_, CXXABI_, LIBBPF_) a binary needs. */
function neededVersions(objdump, file) {
  const text = execFileSync(objdump, ['-T', file], { encoding: 'utf8' });
  const max = {};
  for (const m of text.matchAll(/\((GLIBC|GLIBCXX|CXXABI|GCC|LIBBPF)_([0-9.]+)\)/g)) {
    const [, fam, ver] = m;
    const cmp = (a, b) => { const x = a.split('.').map(Number); const y = b.split('.').map(Number); for (let i = 0; i < Math.max(x.length, y.length); i++) { if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0); } return 0; };
    if (!max[fam] || cmp(ver, max[fam]) > 0) max[fam] = ver;
  }
  return max;
}

/** The shared libraries a binary names (DT_NEEDED). */
function neededLibraries(objdump, file) {
  const text = execFileSync(objdump, ['-p', file], { encoding: 'utf8' });
  return [...text.matchAll(/^\s*NEEDED\s+(\S+)/gm)].map((m) => m[1]);
}

/** Newest modification time (ms) of the files a prebuild is made from. */
function newestSource(tag) {
  let newest = 0;
  const visit = (p) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) visit(join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['native', 'CMakeLists.txt', join('scripts', 'lib', 'native-build.mjs'), join('scripts', 'prebuild.mjs'), join('scripts', 'toolchains', `${tag}.cmake`)]) {
    if (existsSync(join(root, p))) visit(join(root, p));
  }
  return newest;
}

function upToDate(tag) {
  const m = join(root, 'prebuilds', tag, 'manifest.json');
  return existsSync(m) && statSync(m).mtimeMs > newestSource(tag);
}

function buildTarget(tag) {
  if (ifStale && upToDate(tag)) {
    console.log(`prebuild ${tag}: up to date (prebuilds/${tag} is newer than the native sources)`);
    return;
  }
  const { triple, hostArch, bpf } = TARGETS[tag];
  const native = hostArch === process.arch;
  const tool = (name) => (native ? which(name) : which(`${triple}-${name}`));
  const cxx = native ? which('g++') : which(`${triple}-g++`);
  if (!cxx) throw new Error(`no C++ compiler for ${tag}: apt-get install g++-${triple} gcc-${triple} (listed in .ci/apt-packages)`);
  const out = join('build-cross', tag);
  const withBpf = bpf && native;
  const defines = { CFM_BPF: withBpf ? 'ON' : 'OFF' };
  if (!native) defines.CMAKE_TOOLCHAIN_FILE = join(root, 'scripts', 'toolchains', `${tag}.cmake`);
  const started = Date.now();
  // cmake-js compile only builds an already-configured folder: drop the cache so these defines
  // (CFM_BPF, the toolchain) really apply
  rmSync(join(root, out, 'CMakeCache.txt'), { force: true });
  const r = buildNative({ out, defines, cross: !native, env: withBpf ? {} : { CFM_NO_BPF: '1' } });
  if (!r.ok) throw new Error(`${tag}: ${r.cause}`);
  const files = [...FILES];
  if (withBpf) {
    // a prebuild must not silently lose the eBPF module: the tools are in .ci/apt-packages
    if (!existsSync(join(root, out, 'Release', BPF_FILE))) {
      throw new Error(`${tag}: ${BPF_FILE} was not built (needs clang, bpftool and libbpf-dev: see the cmake output above)`);
    }
    files.push(BPF_FILE);
  }
  const dest = join(root, 'prebuilds', tag);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const strip = tool('strip');
  const objdump = tool('objdump');
  const manifest = { target: tag, triple, napiVersion: 8, nodeHeaders: process.versions.node, bpf: withBpf, files: {} };
  for (const f of files) {
    const to = join(dest, f);
    copyFileSync(join(root, out, 'Release', f), to);
    if (strip) execFileSync(strip, ['--strip-unneeded', to]);
    manifest.files[f] = { bytes: statSync(to).size, needs: objdump ? neededVersions(objdump, to) : 'objdump not found', libraries: objdump ? neededLibraries(objdump, to) : [] };
  }
  // the point of the split: only the eBPF module may need libbpf
  for (const f of FILES) {
    if (manifest.files[f].libraries.some((l) => l.startsWith('libbpf'))) throw new Error(`${tag}: ${f} links libbpf (only ${BPF_FILE} may)`);
  }
  writeFileSync(join(dest, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const sizes = files.map((f) => `${f} ${(manifest.files[f].bytes / 1024).toFixed(0)} kB`).join(', ');
  const glibc = files.map((f) => manifest.files[f].needs.GLIBC).sort().at(-1);
  console.log(`prebuild ${tag}: ${sizes}; needs glibc >= ${glibc}, libstdc++ GLIBCXX_${manifest.files['cfm_addon.node'].needs.GLIBCXX} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

let failed = 0;
for (const tag of wanted.length ? wanted : Object.keys(TARGETS)) {
  try {
    buildTarget(tag);
  } catch (e) {
    console.error(`prebuild: ${e.message}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
