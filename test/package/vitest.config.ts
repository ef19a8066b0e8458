import { defineConfig } from 'vitest/config';

// `npm run test:package`: the packed tarball installed into a fresh project without a compiler.
export default defineConfig({
  test: {
    include: ['test/package/e2e/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 900_000,
  },
});
