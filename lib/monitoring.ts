import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { ComparisonOperator, type Dashboard, type IAlarm, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { DefaultDashboardFactory, MetricStatistic, MonitoringFacade, noopAction, SnsAlarmActionStrategy } from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, ROUTE_DIMENSION } from '../lambda/http/metrics.js';
import { type Operation, routeKey } from './operations.js';

/**
 * Every alarm's threshold, in one place: the construct, its tests and the README's runbook table
 * read them from here. Periods are five minutes; "3 of 3" means fifteen minutes in a row.
 */
export const ALARM_THRESHOLDS = {
  /** Share of the API's requests answered 5xx, over 3 of 3 periods. */
  api5xxRate: 0.01,
  /** A route's p99 function duration (each route has its own function), over 3 of 3 periods. */
  p99Latency: Duration.seconds(1),
  /** GenerateClientCertificate's p99: it creates an RSA key pair first (see its memory size). */
  generateP99Latency: Duration.seconds(2),
  /** The count above which one period alarms: any function error or throttle, DynamoDB system error or throttle, StoreRejected. */
  anyCount: 0,
  latencyPeriods: 3,
  /** Periods in a row without a single request before the opt-in no-traffic alarm fires: half an hour. */
  noTrafficPeriods: 6,
} as const;

const PERIOD = Duration.minutes(5);

/** The error types graphed as counts besides StoreRejected: refusals callers see, and store faults. */
const REFUSALS = [
  'ConflictException',
  'LimitExceededException',
  'TooManyRequestsException',
  'ServiceUnavailableException',
  'InternalFailure',
];

/** Where each alarm's meaning and what to do about it are written: a table row per alarm, by its name. */
export const RUNBOOK = 'docs/deploying.md#alarms';

/** One alarm of severity Critical, described by what it means and where to read what to do. */
const critical = <T extends object>(meaning: string, threshold: T): Record<string, T & { alarmDescriptionOverride: string }> => ({
  Critical: { ...threshold, alarmDescriptionOverride: `${meaning}. What to do: ${RUNBOOK}` },
});

/**
 * For counts of events that are reported only when they happen: a period without data is a period
 * without them, so it counts as fine, and the alarm is never stuck in INSUFFICIENT_DATA (the library's
 * own count alarms do this already; the custom ones below must say so).
 */
const sparse = { treatMissingDataOverride: TreatMissingData.NOT_BREACHING } as const;

/** What the monitoring watches. */
export interface ClientCertificateApiMonitoringProps {
  /** Prefix of every alarm's name and the dashboard's name (then `-<region>`): unique in the account and region. */
  readonly name: string;
  readonly httpApi: HttpApi;
  readonly table: TableV2;
  readonly functions: readonly { readonly operation: Operation; readonly fn: IFunction }[];
  /** The `service` dimension of the functions' own metrics (their POWERTOOLS_SERVICE_NAME). */
  readonly service: string;
  /** Where alarms and recoveries are sent; none: alarms only change state. */
  readonly alarmTopic?: ITopic;
  /** Whether to alarm when the API gets no request at all for ALARM_THRESHOLDS.noTrafficPeriods periods. */
  readonly alarmOnNoTraffic: boolean;
}

/**
 * Alarms and one dashboard for the API, its functions and its table, built with
 * cdk-monitoring-constructs: its alarm naming, annotations and widgets are what a hand-written
 * version would reimplement, and it is kept by the CDK's own organisation (cdklabs).
 */
export class ClientCertificateApiMonitoring extends Construct {
  public readonly dashboard: Dashboard;
  private readonly facade: MonitoringFacade;
  private readonly name: string;

  constructor(scope: Construct, id: string, props: ClientCertificateApiMonitoringProps) {
    super(scope, id);
    const { name, service } = props;
    const topic = props.alarmTopic;
    if (topic === undefined)
      Annotations.of(this).addWarningV2(
        'client-certificate-api:alarms-notify-nobody',
        'No alarm topic: the alarms only change state and notify nobody. Give the construct alarmTopic, or the app -c alarmTopicArn=arn:aws:sns:...',
      );
    this.name = name;
    const facade = new MonitoringFacade(this, 'Facade', {
      alarmFactoryDefaults: {
        alarmNamePrefix: name,
        actionsEnabled: true,
        action: topic === undefined ? noopAction() : new SnsAlarmActionStrategy({ onAlarmTopic: topic, onOkTopic: topic }),
        datapointsToAlarm: 1,
        evaluationPeriods: 1,
      },
      metricFactoryDefaults: { period: PERIOD },
      dashboardFactory: new DefaultDashboardFactory(this, 'Dashboards', {
        // Dashboards, unlike alarms, are global to the account: without the region, a deployment of the
        // same name in another region would fail on this one's dashboard (qnabot-on-aws#81).
        dashboardNamePrefix: `${name}-${Stack.of(this).region}`,
        createDashboard: true,
        createSummaryDashboard: false,
        createAlarmDashboard: false,
      }),
    });
    const { api5xxRate, anyCount, latencyPeriods } = ALARM_THRESHOLDS;
    const inARow = { datapointsToAlarm: latencyPeriods, evaluationPeriods: latencyPeriods };
    const any = { maxErrorCount: anyCount };
    const perRoute = (metricName: string, statistic: MetricStatistic) =>
      props.functions.map(({ operation }) => this.routeMetric(service, operation, metricName, statistic));

    facade.addLargeHeader(`${name}: the ClientCertificate API`);
    facade.monitorApiGatewayV2HttpApi({
      api: props.httpApi,
      alarmFriendlyName: 'Api',
      add5xxRateAlarm: critical(`More than ${api5xxRate * 100}% of requests answered 5xx`, { maxErrorRate: api5xxRate, ...inARow }),
    });
    if (props.alarmOnNoTraffic) {
      const periods = ALARM_THRESHOLDS.noTrafficPeriods;
      facade.monitorCustom({
        alarmFriendlyName: 'Api',
        humanReadableName: 'Requests to the API (no-traffic alarm)',
        metricGroups: [
          {
            title: 'Requests',
            metrics: [
              {
                metric: new Metric({
                  namespace: 'AWS/ApiGateway',
                  metricName: 'Count',
                  dimensionsMap: { ApiId: props.httpApi.apiId, Stage: '$default' },
                  statistic: 'Sum',
                  period: PERIOD,
                }),
                alarmFriendlyName: 'No-Traffic',
                addAlarm: critical(`No request reached the API for ${PERIOD.toMinutes() * periods} minutes`, {
                  threshold: 1,
                  comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
                  datapointsToAlarm: periods,
                  evaluationPeriods: periods,
                  // HTTP API reports no Count at all for a period without requests: that is the silence to alarm on.
                  treatMissingDataOverride: TreatMissingData.BREACHING,
                }),
              },
            ],
          },
        ],
      });
    }
    facade.monitorCustom({
      alarmFriendlyName: 'Functions',
      humanReadableName: `Requests by route (${METRICS_NAMESPACE} metrics)`,
      metricGroups: [
        { title: 'Requests', metrics: perRoute(METRIC.requests, MetricStatistic.SUM) },
        { title: 'Latency p99 (ms)', metrics: perRoute(METRIC.latency, MetricStatistic.P99) },
        {
          title: 'Refusals and store faults',
          metrics: REFUSALS.map((type) => this.acrossRoutes(service, props.functions, type)),
        },
        {
          title: 'Store rejections (access denied, validation)',
          metrics: [
            {
              metric: this.acrossRoutes(service, props.functions, METRIC.storeRejected),
              alarmFriendlyName: METRIC.storeRejected,
              addAlarm: critical('DynamoDB refused a request the functions built (access denied, validation)', {
                threshold: anyCount,
                comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
                ...sparse,
              }),
            },
          ],
        },
      ],
    });
    for (const { operation, fn } of props.functions) {
      const { name: op } = operation;
      const p99 = op === 'GenerateClientCertificate' ? ALARM_THRESHOLDS.generateP99Latency : ALARM_THRESHOLDS.p99Latency;
      facade.monitorLambdaFunction({
        lambdaFunction: fn,
        alarmFriendlyName: op,
        humanReadableName: `${op} (${routeKey(operation)})`,
        // Not a stream's consumer: no IteratorAge widget.
        isIterator: false,
        addLatencyP99Alarm: critical(`${op} p99 duration above ${p99.toSeconds()} s`, { maxLatency: p99, ...inARow }),
        addFaultCountAlarm: critical(`${op} failed to run (crash, timeout, start-up failure)`, any),
        addThrottlesCountAlarm: critical(`Lambda refused to run ${op} (concurrency)`, any),
      });
    }
    facade.monitorDynamoTable({
      table: props.table,
      alarmFriendlyName: 'Table',
      addReadThrottledEventsCountAlarm: critical('DynamoDB throttled reads of the table', { maxThrottledEventsThreshold: anyCount }),
      addWriteThrottledEventsCountAlarm: critical('DynamoDB throttled writes to the table', { maxThrottledEventsThreshold: anyCount }),
    });
    // Not monitorDynamoTable's system-error alarm: it sums nine per-operation metrics unfilled, and
    // DynamoDB reports each only when it happens, so the sum has data (and can fire) almost never.
    facade.monitorCustom({
      alarmFriendlyName: 'Table',
      humanReadableName: 'Table system errors (DynamoDB answered 500)',
      metricGroups: [
        {
          title: 'System errors',
          metrics: [
            {
              metric: this.systemErrors(props.table, props.functions),
              alarmFriendlyName: 'SystemError-Count',
              addAlarm: critical('DynamoDB answered 500 to the table', {
                threshold: anyCount,
                comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
                ...sparse,
              }),
            },
          ],
        },
      ],
    });
    this.dashboard = facade.createdDashboard()!;
    this.facade = facade;
  }

  /**
   * The alarms a new version of the operation's function rolls back on: its own (errors, throttles,
   * p99 latency), the API's 5xx rate, and StoreRejected (a command its role is not granted).
   */
  rollbackAlarms(operation: Operation): IAlarm[] {
    const names = new Set([`${this.name}-Api-Fault-Rate-Critical`, `${this.name}-Functions-${METRIC.storeRejected}-Critical`]);
    return this.facade
      .createdAlarms()
      .filter(({ alarmName }) => names.has(alarmName) || alarmName.startsWith(`${this.name}-${operation.name}-`))
      .map(({ alarm }) => alarm);
  }

  /** One of the functions' own metrics for one route. */
  private routeMetric(service: string, operation: Operation, metricName: string, statistic: MetricStatistic): Metric {
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service, [ROUTE_DIMENSION]: routeKey(operation) },
      statistic,
      label: operation.name,
      period: PERIOD,
    });
  }

  /** DynamoDB's system errors on the table, summed over every action a function is granted, zero where none was reported. */
  private systemErrors(table: TableV2, functions: ClientCertificateApiMonitoringProps['functions']): MathExpression {
    const actions = [...new Set(functions.flatMap(({ operation }) => operation.tableActions))].map((action) =>
      action.replace(/^dynamodb:/, ''),
    );
    const usingMetrics = Object.fromEntries(
      actions.map((action) => [
        `systemErrors${action}`,
        table.metric('SystemErrors', {
          dimensionsMap: { TableName: table.tableName, Operation: action },
          statistic: 'Sum',
          period: PERIOD,
        }),
      ]),
    );
    return new MathExpression({
      expression: Object.keys(usingMetrics)
        .map((id) => `FILL(${id}, 0)`)
        .join(' + '),
      usingMetrics,
      label: 'SystemErrors',
      period: PERIOD,
    });
  }

  /** A count summed over every route, zero where nothing was recorded (an alarm may read it). */
  private acrossRoutes(service: string, functions: ClientCertificateApiMonitoringProps['functions'], metricName: string): MathExpression {
    // Ids unique across the expressions sharing a graph.
    const id = metricName.charAt(0).toLowerCase() + metricName.slice(1);
    const usingMetrics = Object.fromEntries(
      functions.map(({ operation }, i) => [`${id}${i}`, this.routeMetric(service, operation, metricName, MetricStatistic.SUM)]),
    );
    return new MathExpression({
      expression: Object.keys(usingMetrics)
        .map((id) => `FILL(${id}, 0)`)
        .join(' + '),
      usingMetrics,
      label: metricName,
      period: PERIOD,
    });
  }
}
