import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The unit suite (`npm test`). Real-peer suites that need minutes (the qemu kernel, Open vSwitch)
// live under test/kernel and test/interop and have their own npm scripts.
export default defineConfig({
  // examples/bringup.ts imports the package by name, as a user's copy does: here that is src/
  resolve: { alias: [{ find: /^cfm-offload$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }] },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/kernel/**', 'test/interop/**', 'test/ebpf/**', 'test/package/e2e/**', 'test/arm/**', 'node_modules/**'],
    // vitest's default is cores - 1 workers: one on a 2-core CI box. The slowest files mostly wait
    // on real time (CCM intervals, kernel STP timers, child processes), so a second worker
    // overlaps them with the CPU-bound ones (2 cores, loaded: ~190 s -> ~110 s).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
