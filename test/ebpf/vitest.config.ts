import { defineConfig } from 'vitest/config';

// `npm run test:ebpf`: the datapath suites that stall a MEP process (SIGSTOP of a child running
// it), on every receive datapath the addon has (AF_PACKET, eBPF tc and XDP). Root + netns.
export default defineConfig({
  test: {
    include: ['test/ebpf/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
