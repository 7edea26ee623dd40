/**
 * Stands in for `@smithy/core/event-streams` in the deployed bundles (lib/function-bundling.ts
 * aliases it here). The SDK's HTTP protocol imports it lazily, for operations that stream events;
 * DynamoDB has none, so the import is never reached, but esbuild bundles a lazy import all the same:
 * about 20 KB, and a tenth of the import time at every cold start.
 */
const notBundled = (): never => {
  throw new Error('event streams are not bundled: no DynamoDB operation streams events');
};

export const eventStreamSerdeProvider = notBundled;

export class EventStreamSerde {
  constructor() {
    notBundled();
  }
}
