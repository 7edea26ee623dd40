import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { StoreRejected } from '../store/errors.js';
import type { HttpResponse } from './responses.js';

/** The CloudWatch namespace of the functions' own metrics; the stack's alarms and dashboard read it. */
export const METRICS_NAMESPACE = 'ClientCertificateApi';

/**
 * The metrics every request records, besides one named after its error type when it fails
 * (`ConflictException`, `LimitExceededException`, `TooManyRequestsException` for store throttles, ...).
 */
export const METRIC = {
  requests: 'Requests',
  latency: 'Latency',
  /** DynamoDB refused a request this service built (access denied, validation): a deployment or code fault. */
  storeRejected: 'StoreRejected',
} as const;

/** The dimension naming the request's route (`PATCH /clientcertificates/{clientcertificate_id}`), next to `service`. */
export const ROUTE_DIMENSION = 'Route';

type Middleware = MiddlewareObj<APIGatewayProxyEventV2, HttpResponse, Error, Context>;

/**
 * One embedded-metric-format line on stdout per request: CloudWatch Logs turns it into metrics, so
 * no request waits on a call to CloudWatch. Registered before the error renderer, so its onError
 * sees the rendered response.
 */
export const requestMetrics = (): Middleware => {
  // The service dimension is POWERTOOLS_SERVICE_NAME, which the stack sets per deployment.
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE });
  // Keyed by request: the local service runs one handler for many requests at once.
  const started = new WeakMap<object, number>();
  const requestMetricsBefore: Middleware['before'] = (request) => {
    started.set(request, performance.now());
  };
  const requestMetricsAfter: Middleware['after'] = (request) => {
    metrics.addDimension(ROUTE_DIMENSION, request.event.routeKey ?? 'unknown');
    metrics.addMetric(METRIC.requests, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.latency, MetricUnit.Milliseconds, performance.now() - (started.get(request) ?? performance.now()));
    const errorType = request.response?.headers['x-amzn-ErrorType'];
    if (errorType !== undefined) metrics.addMetric(errorType, MetricUnit.Count, 1);
    if (request.error instanceof StoreRejected) metrics.addMetric(METRIC.storeRejected, MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  };
  return { before: requestMetricsBefore, after: requestMetricsAfter, onError: requestMetricsAfter };
};
