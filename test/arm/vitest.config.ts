import { defineConfig } from 'vitest/config';

// `npm run test:arm`: the arm64 and armv7 prebuilds under qemu-user, one file per target so the
// two run in parallel.
export default defineConfig({
  test: {
    include: ['test/arm/**/*.test.ts'],
    testTimeout: 420_000,
    hookTimeout: 600_000,
  },
});
