import { defineConfig } from 'vitest/config';

// `npm run test:telemetry`: real Prometheus, snmpd (AgentX master), snmpwalk/snmpget and
// snmptrapd from Debian's packages, started by the tests on 127.0.0.1 (CI runs it as root).
// The files are *.e2e.ts so the unit suite (`npm test`, *.test.ts) does not run them.
export default defineConfig({
  test: {
    include: ['test/telemetry/*.e2e.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
