import { defineConfig } from 'vitest/config';

// The unit suite (`npm test`). Real-peer suites that need minutes (the qemu kernel, Open vSwitch)
// live under test/kernel and test/interop and have their own npm scripts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/kernel/**', 'test/interop/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
