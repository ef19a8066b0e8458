import { defineConfig } from 'vitest/config';

// `npm run test:interop`: real peers (Open vSwitch, tshark) in network namespaces; needs root.
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
