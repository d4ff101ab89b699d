import { defineConfig } from 'vitest/config';

// The SDK's Node-version notice would otherwise interleave with every test's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/drop-tables.ts'],
    pool: 'forks',
    // Two files at a time whatever the core count (vitest's default is cores - 1, so one on a
    // two-core machine): most files wait on DynamoDB Local, which is a process of its own.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      // Handlers' INFO lines would go through vitest's console capture on every request; tests
      // about logging set their own level.
      POWERTOOLS_LOG_LEVEL: 'WARN',
    },
  },
});
