import { defineConfig } from 'vitest/config';

// `npm run test:kernel`: boots a kernel with CONFIG_BRIDGE_CFM and CONFIG_NETDEVSIM under qemu
// (TCG) and checks what the programs inside report on the serial console. The kernel build is
// cached under .cache/kernel/ (first run: minutes).
export default defineConfig({
  test: {
    include: ['test/kernel/*.test.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 1_800_000,
    fileParallelism: false,
  },
});
