/** The variable naming a test run's scratch directory, where work shared by suites is done once (./stack.ts). */
export const RUN_DIR = 'CLIENT_CERTIFICATE_API_TEST_RUN_DIR';
