// Handlers print an EMF line per request; tests that read them (test/lambda/http/metrics.test.ts) turn them back on.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
