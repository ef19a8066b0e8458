/**
 * The package as a user meets it (issue 13): `npm pack`, then install the tarball into a fresh
 * project whose PATH has node, npm and basic tools but no C/C++ compiler and no cmake, as on a
 * switch board. The prebuild must load (no source build), and then: `npx cfm demo` passes all its
 * checks, `cfm apply` of a shipped example programs the mock ASIC, `cfm conformance` passes on
 * the packaged mock ASIC, and a strict TypeScript script importing every documented path
 * typechecks (tsc --strict) and runs (load config, plan, apply, status, close).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPILERS, REPO, boardPath, installProject, output, packRepo, run, tempDir, type PackResult } from '../pack.js';

const TS_VERSION = (JSON.parse(readFileSync(join(REPO, 'node_modules', 'typescript', 'package.json'), 'utf8')) as { version: string }).version;
const TYPES_NODE = (JSON.parse(readFileSync(join(REPO, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string }).version;

let work: string;
let path: string;
let proj: string;
let pack: PackResult;
let installLog: string;
const pkgDir = (): string => join(proj, 'node_modules', 'cfm-offload');
const cfm = (...args: string[]) => run('npx', ['--no-install', 'cfm', ...args], { cwd: proj, path, timeoutMs: 180_000 });

beforeAll(() => {
  work = tempDir('package');
  path = boardPath(work);
  pack = packRepo(work);
  proj = join(work, 'project');
  const r = installProject(proj, pack.tarball, path, [`typescript@${TS_VERSION}`, `@types/node@${TYPES_NODE}`]);
  installLog = output(r);
  if (r.status !== 0) throw new Error(`npm install of the tarball failed:\n${installLog}`);
});

afterAll(() => {
  if (work && !process.env.CFM_KEEP_PACKAGE_TEST) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('is under 5 MB and carries dist, bin, prebuilds, the C header, examples, hw-profiles, schema and docs, but no tests or TS sources', () => {
    expect(pack.bytes).toBeLessThan(5 * 1024 * 1024);
    const files = new Set(pack.files.map((f) => f.path));
    for (const f of [
      'dist/index.js', 'dist/index.d.ts', 'bin/cfm.js', 'prebuilds/linux-x64/cfm_addon.node', 'prebuilds/linux-x64/libcfm_mock_asic.so',
      'prebuilds/linux-x64/cfm_bpf.node', 'native/bpf/CMakeLists.txt', 'native/bpf/cfm.bpf.c', 'native/bpf/bpf_datapath.cc',
      'native/asic/cfm_asic.h', 'native/asic/mock_core.c', 'native/addon/addon.cc', 'CMakeLists.txt', 'scripts/install.mjs',
      'scripts/build-native.mjs', 'scripts/lib/native-build.mjs', 'examples/demo.yaml', 'examples/board-8-down-meps.yaml',
      'examples/bringup.ts', 'docs/vendor-abi.md', 'docs/api.md', 'schema/cfm-config.schema.json', 'README.md',
    ]) expect(files, f).toContain(f);
    expect([...files].some((f) => f.startsWith('hw-profiles/'))).toBe(true);
    expect([...files].filter((f) => f.startsWith('test/') || f.startsWith('src/') || f.startsWith('build/'))).toEqual([]);
    console.log(`tarball ${(pack.bytes / 1024).toFixed(0)} kB, ${pack.files.length} files; prebuilds: ${pack.files.filter((f) => f.path.startsWith('prebuilds/') && !f.path.endsWith('.json')).map((f) => `${f.path} ${(f.size / 1024).toFixed(0)} kB`).join(', ')}`);
  });

  it('installs on a PATH without a C/C++ compiler or cmake, using the prebuild (nothing built)', () => {
    for (const c of COMPILERS) expect(run('sh', ['-c', `command -v ${c}`], { cwd: proj, path }).status, `${c} on the board PATH`).not.toBe(0);
    expect(installLog).toContain('cfm-offload: native parts for linux-x64: prebuilds/linux-x64/cfm_addon.node, prebuilds/linux-x64/libcfm_mock_asic.so');
    expect(existsSync(join(pkgDir(), 'build'))).toBe(false);
  });
});

describe('the installed package', () => {
  it('npx cfm demo passes all its checks', () => {
    const r = cfm('demo');
    expect(r.status, output(r)).toBe(0);
    expect(r.stdout).toMatch(/^demo ok: \d+ checks passed$/m);
    expect(r.stdout).not.toMatch(/^FAIL/m);
  });

  it('cfm apply of a shipped example programs the mock ASIC', () => {
    const r = cfm('apply', join(pkgDir(), 'examples', 'board-8-down-meps.yaml'), '--backend', 'mock', '--json');
    expect(r.status, output(r)).toBe(0);
    const rep = JSON.parse(r.stdout) as { ops?: unknown[] };
    expect(JSON.stringify(rep)).toContain('create');
    const text = cfm('apply', join(pkgDir(), 'examples', 'board-8-down-meps.yaml'), '--backend', 'mock');
    expect(text.stdout).toContain('8 of 8 MEPs in hardware');
  });

  it('cfm conformance passes on the packaged mock ASIC, and names the skipped rules with a reason', () => {
    const r = cfm('conformance');
    expect(r.status, output(r)).toBe(0);
    expect(r.stdout).toMatch(/^conforms$/m);
    expect(r.stdout).toMatch(/^SKIP {2}frame\.io[^\n]*\n {6}skipped: no frame I\/O/m);
  });

  it('a strict TypeScript script importing every documented path typechecks and runs (load, plan, apply, status, close)', () => {
    const dir = join(proj, 'script');
    run('mkdir', ['-p', dir], { cwd: proj, path });
    copyFileSync(join(REPO, 'test', 'package', 'fixtures', 'board-script.ts.txt'), join(dir, 'board-script.ts'));
    copyFileSync(join(REPO, 'test', 'package', 'fixtures', 'tsconfig.json'), join(dir, 'tsconfig.json'));
    const tsc = run('node', [join(proj, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, path });
    expect(tsc.status, output(tsc)).toBe(0);
    const r = run('node', ['out/board-script.js'], { cwd: dir, path });
    expect(r.status, output(r)).toBe(0);
    const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { missing: string[]; ops: number; meps: number };
    expect(res.missing).toEqual([]);
    expect(res.meps).toBe(8);
    expect(res.ops).toBe(8);
  });

  it('every `from \'cfm-offload...\'` import in docs/*.md and examples/*.ts resolves and has the names it imports', () => {
    const sources = [...pack.files.map((f) => f.path).filter((p) => /^(docs\/.*\.md|examples\/[^/]*\.ts)$/.test(p))];
    const imports: { file: string; spec: string; names: string[] }[] = [];
    for (const f of sources) {
      const text = readFileSync(join(pkgDir(), f), 'utf8');
      for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'([^']+)'/g)) {
        const spec = m[2];
        if (spec.startsWith('node:')) continue;
        const names = m[1].split(',').map((s) => s.trim()).filter((s) => s && !s.startsWith('type ')).map((s) => s.split(/\s+as\s+/)[0])
          .filter((s) => /^[A-Za-z_$][\w$]*$/.test(s)); // not the `{ ... }` of prose
        imports.push({ file: f, spec, names });
      }
    }
    expect(imports.length).toBeGreaterThan(5);
    const bad = imports.filter((i) => !i.spec.startsWith('cfm-offload'));
    expect(bad, 'imports in shipped docs/examples that a user cannot write').toEqual([]);
    const check = `const list = ${JSON.stringify(imports)}; const out = [];
      for (const i of list) { try { const m = await import(i.spec); for (const n of i.names) if (!(n in m)) out.push(i.file + ': ' + i.spec + ' has no ' + n); }
      catch (e) { out.push(i.file + ': ' + i.spec + ': ' + e.code); } }
      console.log(JSON.stringify(out));`;
    const r = run('node', ['--input-type=module', '-e', check], { cwd: proj, path });
    expect(r.status, output(r)).toBe(0);
    expect(JSON.parse(r.stdout) as string[]).toEqual([]);
  });

  it('a strict TypeScript script using the Y.1731 and telemetry APIs typechecks with "types": [] (the TypeScript 6+ default) and runs on a real clock', () => {
    const dir = join(proj, 'script-y1731');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(REPO, 'test', 'package', 'fixtures', 'y1731-telemetry.ts.txt'), join(dir, 'y1731-telemetry.ts'));
    copyFileSync(join(REPO, 'test', 'package', 'fixtures', 'tsconfig-y1731.json'), join(dir, 'tsconfig.json'));
    const tsc = run('node', [join(proj, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, path });
    expect(tsc.status, output(tsc)).toBe(0); // was: dist/telemetry/agentx/pdu.d.ts: Cannot find name 'Buffer'
    const r = run('node', ['out/y1731-telemetry.js'], { cwd: dir, path, timeoutMs: 60_000 });
    expect(r.status, output(r)).toBe(0);
    const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, Record<string, unknown> | number | boolean>;
    // the DMM test keyed its DMRs by a second clock reading and got none on a real clock
    expect(res.dm).toMatchObject({ completed: true, received: 3 });
    expect((res.dm as { avgNs: number }).avgNs).toBeGreaterThan(0);
    expect(res.lm).toMatchObject({ completed: true, farEnd: 0 });
    expect(res.slm).toEqual({ completed: true, received: 5 });
    expect(res.tst).toEqual({ sent: 2 });
    expect(res.tstReceived).toBe(2);
    expect(res.pmSessions).toBe(0);
    expect(res.delayMetric).toBe(true);
  });

  const STRICT_TSCONFIG = {
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], types: ['node'],
      strict: true, noUncheckedIndexedAccess: true, skipLibCheck: false, outDir: 'out', rootDir: '.',
    },
    include: ['*.ts'],
  };
  const tsc = (dir: string) => run('node', [join(proj, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, path });

  it('every ts example of README.md and docs/api.md compiles (strict, noUncheckedIndexedAccess) and runs as written from the project folder', () => {
    const dir = join(proj, 'doc-examples');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(STRICT_TSCONFIG));
    const names: string[] = [];
    for (const doc of ['README.md', 'docs/api.md']) {
      for (const m of readFileSync(join(pkgDir(), doc), 'utf8').matchAll(/```ts\n([^]*?)```/g)) {
        const name = `${doc.replace(/\W/g, '-')}-${names.length + 1}`;
        writeFileSync(join(dir, `${name}.ts`), m[1]);
        names.push(name);
      }
    }
    expect(names.length).toBeGreaterThanOrEqual(2); // the api.md flow and the OAM example
    const c = tsc(dir);
    expect(c.status, output(c)).toBe(0); // was: TS1309 top-level await in the "commonjs" project npm init -y makes (docs now say "type": "module")
    for (const name of names) {
      const r = run('node', [join(dir, 'out', `${name}.js`)], { cwd: proj, path, timeoutMs: 60_000 }); // paths in the examples are relative to the project
      expect(r.status, `${name}\n${output(r)}`).toBe(0);
      expect(r.stderr, name).toBe('');
    }
  });

  it('every public entry point typechecks under the module resolutions users have: NodeNext, Node16, Bundler and Node10 (tsc --init of older TypeScript)', () => {
    const dir = join(proj, 'resolutions');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'imports.ts'), [
      "import { loadConfigOrThrow, openSwitch } from 'cfm-offload';", "import { loadConfig } from 'cfm-offload/config';", "import { decodeFrame } from 'cfm-offload/pdu';",
      "import { CfmEngine } from 'cfm-offload/engine';", "import { SimNetwork } from 'cfm-offload/sim';", "import { LinuxBridgeBackend } from 'cfm-offload/linux-bridge';",
      "import { ABI_RULES } from 'cfm-offload/conformance';",
      'export const used = [loadConfigOrThrow, openSwitch, loadConfig, decodeFrame, CfmEngine, SimNetwork, LinuxBridgeBackend, ABI_RULES];', '',
    ].join('\n'));
    for (const [module, moduleResolution] of [['NodeNext', 'NodeNext'], ['Node16', 'Node16'], ['ESNext', 'Bundler'], ['CommonJS', 'Node10']]) {
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { target: 'ES2022', module, moduleResolution, strict: true, noEmit: true, types: ['node'], skipLibCheck: false },
        files: ['imports.ts'],
      }));
      const c = tsc(dir);
      expect(c.status, `${module}/${moduleResolution}\n${output(c)}`).toBe(0); // Node10 was: TS2307 for every subpath (package.json typesVersions)
    }
  });

  it('the public declarations have no any, and misusing them is a type error', () => {
    const dir = join(proj, 'types-check');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(STRICT_TSCONFIG));
    copyFileSync(join(REPO, 'test', 'package', 'fixtures', 'types-misuse.ts.txt'), join(dir, 'types-misuse.ts'));
    const c = tsc(dir);
    expect(c.status, output(c)).toBe(0); // an unused @ts-expect-error: that misuse compiled
    copyFileSync(join(REPO, 'test', 'package', 'fixtures', 'any-scan.mjs.txt'), join(proj, 'any-scan.mjs'));
    const r = run('node', ['any-scan.mjs'], { cwd: proj, path });
    expect(r.status, output(r)).toBe(0);
    const res = JSON.parse(r.stdout) as { errors: string[]; walked: number; any: string[] };
    expect(res.errors).toEqual([]);
    expect(res.walked).toBeGreaterThan(1000);
    expect(res.any).toEqual([]);
  });

  describe('the CLI against a running manager (cfm apply --follow on the mock ASIC)', () => {
    let mgr: ChildProcess | null = null;
    let mgrLog = '';
    let env: Record<string, string>;
    const cli = (...args: string[]) => run('npx', ['--no-install', 'cfm', ...args], { cwd: proj, path, env, timeoutMs: 60_000 });

    beforeAll(async () => {
      const xdg = join(work, 'xdg'); // the default socket and state dir live here, as on a user's box
      mkdirSync(xdg, { recursive: true });
      env = { XDG_RUNTIME_DIR: xdg };
      // the bin itself, not `npx cfm`: npm exec does not pass SIGINT on to the manager
      mgr = spawn(join(proj, 'node_modules', '.bin', 'cfm'), ['apply', join(pkgDir(), 'examples', 'demo.yaml'), '--switch', 'sw1', '--backend', 'mock', '--follow'], {
        cwd: proj, env: { HOME: process.env.HOME ?? '/root', PATH: path, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      mgr.stdout!.on('data', (d: Buffer) => { mgrLog += d.toString(); });
      mgr.stderr!.on('data', (d: Buffer) => { mgrLog += d.toString(); });
      for (let i = 0; i < 100 && !mgrLog.includes('control socket'); i++) await new Promise((r) => setTimeout(r, 200));
      if (!mgrLog.includes('control socket')) throw new Error(`the manager did not start:\n${mgrLog}`);
      await new Promise((r) => setTimeout(r, 2500)); // 1 s CCMs: MEP 81 learns the MAC of MEP 83
    });

    afterAll(async () => {
      if (mgr && mgr.exitCode === null) {
        const gone = new Promise((r) => mgr!.once('exit', r));
        mgr.kill('SIGINT'); // Ctrl-C, as the docs say
        const t = setTimeout(() => mgr?.kill('SIGKILL'), 10_000);
        await gone;
        clearTimeout(t);
      }
    });

    it('cfm dm, lm, slm, loopback between the software MEPs 81 and 83 complete (exit 0)', () => {
      const m = 'demo/svc-multi/81';
      const dm = cli('dm', m, '--target-mep', '83', '--count', '3', '--interval-ms', '50');
      expect(dm.status, output(dm) + mgrLog).toBe(0);
      expect(dm.stdout).toContain('Sent 3 packets, received 3 packets');
      expect(dm.stdout).toMatch(/^frame delay min\/avg\/max = /m);
      for (const args of [['lm', m, '--target-mep', '83', '--count', '3', '--interval-ms', '50'], ['slm', m, '--target-mep', '83', '--count', '3', '--interval-ms', '20'],
        ['loopback', m, '--target-mep', '83', '--count', '2', '--interval-ms', '50']]) {
        const r = cli(...args);
        expect(r.status, `cfm ${args.join(' ')}\n${output(r)}`).toBe(0);
      }
      const st = cli('status', '--json');
      expect(st.status, output(st)).toBe(0);
      expect((JSON.parse(st.stdout) as { switch: string }).switch).toBe('sw1');
    });

    it('bad arguments exit 2 with one line and no stack trace', () => {
      for (const args of [['dm', 'demo/svc-multi/81', '--target-mep', '83', '--count', '0'], ['mep', 'show', 'nope/x/1'], ['cc', 'interval', 'demo/svc-multi', '7s']]) {
        const r = cli(...args);
        expect(r.status, `cfm ${args.join(' ')}\n${output(r)}`).toBe(2);
        expect(r.stderr).toMatch(/^cfm: /);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
    });

    it('the other documented commands run as written against it (linktrace, tst, pm, mep, cc, status -j, dry run, counters, debug dump)', () => {
      const m = 'demo/svc-multi/81';
      const ok = (args: string[], re: RegExp) => {
        const r = cli(...args);
        expect(r.status, `cfm ${args.join(' ')}\n${output(r)}`).toBe(0);
        expect(r.stdout, `cfm ${args.join(' ')}`).toMatch(re);
        expect(r.stderr, `cfm ${args.join(' ')}`).toBe('');
      };
      ok(['linktrace', m, '--target-mep', '83', '--timeout-ms', '1500'], /^1 .* rlyHit +terminate$/m);
      ok(['tst', m, '--target-mep', '83', '--count', '2', '--interval-ms', '20'], /^Sent 2 packets to /m);
      ok(['tst', 'demo/svc-multi/83', '--received'], /^from [0-9a-f:]{17}: 2 packets/m);
      ok(['pm', 'show'], /^no PM sessions$/m);
      ok(['mep', 'list'], /^demo\/svc-multi\/81 /m);
      ok(['mep', 'show', m], /^MEP demo\/svc-multi\/81: mep id 81 on p2 vlan 80/m);
      ok(['status', '-j'], /^\{\n {2}"switch": "sw1"/);
      ok(['apply', join(pkgDir(), 'examples', 'demo.yaml'), '--switch', 'sw1', '--dry-run', '--socket', join(env.XDG_RUNTIME_DIR!, 'cfm-offload.sock')], /5 unchanged of 5 VOEs/);
      ok(['cpu-protection', 'counters'], /^counters of pid \d+/);
      ok(['debug', 'dump'], /^eth-cfm debug-packet queues of pid \d+/);
      ok(['mep', 'set', 'demo/svc-1s/41', '--placement', 'software'], /^moved demo\/svc-1s\/41 to software \(continuing at seq \d+\)$/m);
      ok(['mep', 'set', 'demo/svc-1s/41', '--placement', 'auto'], /^moved demo\/svc-1s\/41 to hardware/m);
      ok(['cc', 'interval', 'demo/svc-1min', '10min'], /^demo\/svc-1min interval 10min: /);
      // a MEP the manager does not have: the test's header line is not printed before the error
      const dm = cli('dm', 'demo/svc-multi/99', '--target-mep', '83');
      expect(dm.status, output(dm)).toBe(2);
      expect(dm.stdout).toBe('');
      expect(dm.stderr).toMatch(/^cfm: manager: no MEP demo\/svc-multi\/99 on this switch \(MEPs: [^\n]*\)\n$/);
      const pm = cli('pm', 'show', 'demo/svc-multi/99');
      expect(pm.status, output(pm)).toBe(2);
      expect(pm.stderr).toMatch(/^cfm: no MEP demo\/svc-multi\/99 on switch sw1 /);
    });

    it('the offline commands of the docs run on the shipped files; wrong input is one line, exit 1 or 2', () => {
      const ex = join(pkgDir(), 'examples');
      for (const [args, re] of [
        [['validate', join(ex, 'demo.yaml')], /valid: 2 domains/],
        [['plan', join(ex, 'demo.yaml'), '--switch', 'sw2'], /^6 of 10 MEPs in hardware/m],
        [['decode', join(ex, 'pcap', 'sample.pcap')], /^#1 0\.000000 CCM /],
        [['sim', join(ex, 'scenarios', 'link-cut.yaml'), '--quiet'], /expectation\(s\) passed/],
        [['cpu-protection', 'show', join(ex, 'demo.yaml'), '--switch', 'sw1'], /^CPU protection of switch sw1/],
      ] as Array<[string[], RegExp]>) {
        const r = cli(...args);
        expect(r.status, `cfm ${args.join(' ')}\n${output(r)}`).toBe(0);
        expect(r.stdout).toMatch(re);
      }
      const bad = join(work, 'bad.yaml');
      writeFileSync(bad, 'cfm:\n  maintenance-domain:\n    - md-id: x\n      md-level: 9\n');
      for (const [args, code, re] of [
        [['validate', bad], 1, /^[^\n]*bad\.yaml:4:7 \/cfm\/maintenance-domain\/0\/md-level: 9 must be <= 7 /],
        [['apply', bad, '--backend', 'mock'], 1, /^cfm: [^\n]*bad\.yaml: invalid configuration, 1 problem\(s\): [^\n]*md-level[^\n]*\n$/],
        [['status', '--socket', join(work, 'none.sock')], 1, /^cfm: no manager is running on [^\n]*none\.sock \(ENOENT\)[^\n]*\n$/],
        [['status', '--bogus'], 2, /^cfm: unknown option '--bogus' \(see cfm status --help\)\n$/],
        [['apply', join(ex, 'demo.yaml'), '--switch', 'sw1', '--follow', '--socket', join(work, 'nodir', 'x.sock')], 2, /^cfm: --socket [^\n]*: directory [^\n]* does not exist; nothing was changed\n$/],
      ] as Array<[string[], number, RegExp]>) {
        const r = cli(...args);
        expect(r.status, `cfm ${args.join(' ')}\n${output(r)}`).toBe(code);
        expect(r.stderr, `cfm ${args.join(' ')}`).toMatch(re);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
    });
  });

  it('npm run conformance works inside the installed package (no vitest, no test/)', () => {
    const r = run('npm', ['run', 'conformance', '--', '--rule', 'voe.lifecycle'], { cwd: pkgDir(), path });
    expect(r.status, output(r)).toBe(0);
    expect(r.stdout).toMatch(/^PASS {2}voe\.lifecycle/m);
  });
});

describe('building from source inside the installed package', () => {
  it('says what is missing on the board PATH (not a generic message)', () => {
    const r = run('npm', ['run', 'build:native'], { cwd: pkgDir(), path });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('cfm-offload: building the native parts failed: missing: cmake (Debian: apt-get install cmake); a C compiler');
  });
  // building with a compiler from the installed package: fallback.test.ts (the install script does it)
});
