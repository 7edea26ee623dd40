import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Where the DynamoDB client gets its credentials: the environment, and nowhere else. Lambda puts the
 * execution role's credentials there, and so do the local service and the tests; the SDK's default
 * chain would find them there first anyway.
 */
export const environmentCredentials = fromEnv;

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the deployed bundles (lib/function-bundling.ts
 * aliases it here). The SDK client imports that default chain whether it is used or not, and with it
 * SSO, STS, IMDS and the config-file readers: about 130 KB of bundle to parse at every cold start for
 * code a client given `credentials` never runs.
 */
export const defaultProvider = fromEnv;
