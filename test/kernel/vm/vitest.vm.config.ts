import { defineConfig } from 'vitest/config';

// Runs INSIDE the qemu VM (scripts/kernel/init.sh, cfm.run=contract): the shared backend
// contract suite against the kernel bridge CFM. Emulated CPUs are slow: generous timeouts.
export default defineConfig({
  test: {
    include: ['test/kernel/vm/*.vmtest.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
