/**
 * Imported first by the workflow tests: the task handlers' structured logs (one per step, a
 * warning per injected failure) would bury the test output. Set before the logger is built.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
