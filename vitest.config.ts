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
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
