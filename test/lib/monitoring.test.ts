import { readFileSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { METRIC, METRICS_NAMESPACE, ROUTE_DIMENSION } from '../../lambda/http/metrics.js';
import { ClientCertificateStack } from '../../lib/client-certificate-stack.js';
import { ALARM_THRESHOLDS, RUNBOOK } from '../../lib/monitoring.js';
import { operations, routeKey } from '../../lib/operations.js';
import { BUILD_DEADLINE_MS, bundledStack, synth, testApp } from '../support/stack.js';

type Json = Record<string, any>;

/** The stack by default, as `cdk synth` makes it: shared by every suite of the run. */
let template: Template;
beforeAll(async () => {
  ({ template } = await bundledStack());
}, BUILD_DEADLINE_MS);

const alarms = (t: Template = template): Json[] => Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);

const alarmNamed = (name: string, t: Template = template): Json => {
  const found = alarms(t).filter((a) => a.AlarmName === name);
  expect(found).toHaveLength(1);
  return found[0]!;
};

/** The metrics an alarm reads (its `Metrics` queries that are not expressions). */
const metricsOf = (alarm: Json): Json[] =>
  alarm.Metrics.filter((m: Json) => m.MetricStat).map((m: Json) => ({ ...m.MetricStat.Metric, Stat: m.MetricStat.Stat }));

const dimension = (metric: Json, name: string): unknown => metric.Dimensions.find((d: Json) => d.Name === name)?.Value;

const logicalIdOf = (type: string, t: Template = template): string => {
  const ids = Object.keys(t.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

const functionIdOf = (operationName: string, t: Template = template): string =>
  Object.entries(t.findResources('AWS::Lambda::Function')).find(([, fn]) =>
    String(fn.Properties.Description).startsWith(`${operationName} `),
  )![0];

describe('alarms', () => {
  test('the API: more than 1% of requests answered 5xx, 3 periods of 5 minutes in a row', () => {
    const alarm = alarmNamed('TestStack-Api-Fault-Rate-Critical');
    const [metric] = metricsOf(alarm);

    expect(alarm).toMatchObject({
      Threshold: ALARM_THRESHOLDS.api5xxRate,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
    expect(ALARM_THRESHOLDS.api5xxRate).toBe(0.01);
    // The average of API Gateway's 5xx metric is the share of requests answered 5xx.
    expect(metric).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5xx', Stat: 'Average' });
    expect(dimension(metric!, 'ApiId')).toEqual({ Ref: logicalIdOf('AWS::ApiGatewayV2::Api') });
    expect(dimension(metric!, 'Stage')).toBe('$default');
  });

  test.each(operations.map((o) => [o.name]))("%s: p99 duration of its route's function, 3 periods in a row", (name) => {
    const alarm = alarmNamed(`TestStack-${name}-Latency-P99-Critical`);
    const [metric] = metricsOf(alarm);
    const limit = name === 'GenerateClientCertificate' ? ALARM_THRESHOLDS.generateP99Latency : ALARM_THRESHOLDS.p99Latency;

    expect(alarm).toMatchObject({ Threshold: limit.toMilliseconds(), EvaluationPeriods: 3, DatapointsToAlarm: 3 });
    expect(metric).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Duration', Stat: 'p99' });
    expect(dimension(metric!, 'FunctionName')).toEqual({ Ref: functionIdOf(name) });
  });

  test.each(
    operations.flatMap((o) => [
      [o.name, 'Fault-Count', 'Errors'],
      [o.name, 'Throttled-Count', 'Throttles'],
    ]),
  )('%s: any Lambda %s (%s) in 5 minutes', (name, alarmKind, metricName) => {
    const alarm = alarmNamed(`TestStack-${name}-${alarmKind}-Critical`);
    const [metric] = metricsOf(alarm);

    expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1 });
    expect(metric).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: metricName, Stat: 'Sum' });
    expect(dimension(metric!, 'FunctionName')).toEqual({ Ref: functionIdOf(name) });
  });

  test('the table: any DynamoDB system error (SystemErrors) in 5 minutes, on any action a function is granted, each filled with zero', () => {
    const alarm = alarmNamed('TestStack-Table-SystemError-Count-Critical');
    const queries: Json[] = alarm.Metrics.filter((m: Json) => m.MetricStat);
    const [sum] = alarm.Metrics.filter((m: Json) => m.Expression);

    expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    // DynamoDB reports SystemErrors only when there are some: unfilled, a sum of them almost never has a value.
    expect(sum.Expression.split(' + ').sort()).toEqual(queries.map((q) => `FILL(${q.Id}, 0)`).sort());
    const granted = new Set(operations.flatMap((o) => o.tableActions.map((action) => action.replace('dynamodb:', ''))));
    expect(queries.map((q) => dimension(q.MetricStat.Metric, 'Operation')).sort()).toEqual([...granted].sort());
    for (const metric of metricsOf(alarm)) {
      expect(metric).toMatchObject({ Namespace: 'AWS/DynamoDB', MetricName: 'SystemErrors', Stat: 'Sum' });
      expect(dimension(metric, 'TableName')).toEqual({ Ref: logicalIdOf('AWS::DynamoDB::GlobalTable') });
    }
  });

  test.each([
    ['Read-Throttled-Events', 'ReadThrottleEvents'],
    ['Write-Throttled-Events', 'WriteThrottleEvents'],
  ])('the table: any %s (%s) in 5 minutes', (alarmKind, metricName) => {
    const alarm = alarmNamed(`TestStack-Table-${alarmKind}-Critical`);
    const metrics = metricsOf(alarm);

    expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(metrics.length).toBeGreaterThan(0);
    for (const metric of metrics) {
      expect(metric).toMatchObject({ Namespace: 'AWS/DynamoDB', MetricName: metricName, Stat: 'Sum' });
      expect(dimension(metric, 'TableName')).toEqual({ Ref: logicalIdOf('AWS::DynamoDB::GlobalTable') });
    }
  });

  test("the functions' own StoreRejected count, every route summed, any in 5 minutes", () => {
    const alarm = alarmNamed('TestStack-Functions-StoreRejected-Critical');
    const metrics = metricsOf(alarm);

    expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    expect(metrics.map((m) => dimension(m, ROUTE_DIMENSION)).sort()).toEqual(operations.map(routeKey).sort());
    for (const metric of metrics) {
      // The namespace, name and dimensions the handlers write (test/lambda/http/metrics.test.ts reads them there).
      expect(metric).toMatchObject({ Namespace: METRICS_NAMESPACE, MetricName: METRIC.storeRejected, Stat: 'Sum' });
      expect(dimension(metric, 'service')).toBe('TestStack');
    }
  });

  test('there are no others', () => {
    expect(alarms()).toHaveLength(1 + 3 * operations.length + 3 + 1);
  });

  test('no traffic: none by default; opted in, fires once the API has had no request for 6 periods of 5 minutes in a row', () => {
    const { template: t } = synth({ alarmOnNoTraffic: true });
    const alarm = alarmNamed('TestStack-Api-No-Traffic-Critical', t);

    expect(alarms().filter((a) => /No-Traffic/.test(a.AlarmName))).toEqual([]);
    expect(alarms(t)).toHaveLength(alarms().length + 1);
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: ALARM_THRESHOLDS.noTrafficPeriods,
      DatapointsToAlarm: ALARM_THRESHOLDS.noTrafficPeriods,
      // HTTP API reports no Count for a period without requests: the silence itself must breach.
      TreatMissingData: 'breaching',
    });
    expect(ALARM_THRESHOLDS.noTrafficPeriods).toBe(6);
    expect(alarm).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: 'Count', Statistic: 'Sum', Period: 300 });
    expect(dimension(alarm, 'ApiId')).toEqual({ Ref: logicalIdOf('AWS::ApiGatewayV2::Api', t) });
    expect(dimension(alarm, 'Stage')).toBe('$default');
  });

  test('notify no one by default, and synth says so once', () => {
    const { stack } = synth();
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('notify nobody'));

    for (const alarm of alarms()) expect(alarm.AlarmActions).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.entry.data).toContain('-c alarmTopicArn=');
  });

  test('say in their description which runbook section to read, a section that exists and names the alarm as the stack does', () => {
    // Every alarm the stack can have: the default ones and the opt-in no-traffic alarm.
    const every = [...alarms(), ...alarms(synth({ alarmOnNoTraffic: true }).template)];
    // A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens.
    const anchorOf = (heading: string) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9 _-]/g, '')
        .replace(/ /g, '-');
    const sections = (page: string): Map<string, string> => {
      const markdown = readFileSync(new URL(`../../${page}`, import.meta.url), 'utf8');
      return new Map(
        markdown
          .split(/^#+ /m)
          .slice(1)
          .map((section) => [anchorOf(section.split('\n')[0]!), section]),
      );
    };
    // `<Operation>-...` stands for one row per operation.
    const documented = (name: string) => {
      const [first, ...rest] = name.replace(/^TestStack-/, '').split('-');
      return [operations.some((o) => o.name === first) ? '<Operation>' : first, ...rest].join('-');
    };

    for (const alarm of every) {
      const [, page, anchor] = /What to do: ([^#\s]+)#(\S+)$/.exec(alarm.AlarmDescription) ?? [];
      const section = page === undefined ? undefined : sections(page).get(anchor!);
      expect({ alarm: alarm.AlarmName, link: `${page}#${anchor}`, found: section !== undefined }).toEqual({
        alarm: alarm.AlarmName,
        link: RUNBOOK,
        found: true,
      });
      expect({ alarm: alarm.AlarmName, inRunbook: section!.includes(`\`${documented(alarm.AlarmName)}\``) }).toEqual({
        alarm: alarm.AlarmName,
        inRunbook: true,
      });
    }
  });

  test('notify the alarm topic, when given, of alarms and recoveries', () => {
    const app = testApp();
    const topic = new Topic(new Stack(app, 'Topics'), 'Pager');
    const stack = new ClientCertificateStack(app, 'TestStack', { alarmTopic: topic });
    const t = Template.fromStack(stack);

    expect(alarms(t).length).toBeGreaterThan(0);
    for (const alarm of alarms(t)) {
      expect(alarm.AlarmActions).toEqual([{ 'Fn::ImportValue': expect.stringContaining('Pager') }]);
      expect(alarm.OKActions).toEqual(alarm.AlarmActions);
    }
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('notify nobody'))).toEqual([]);
  });

  test('are named after the API name, so two deployments in one account do not collide', () => {
    const names = (t: Template) => alarms(t).map((a) => a.AlarmName as string);
    const first = names(synth({ apiName: 'certificates-blue' }, 'Blue').template);
    const second = names(synth({ apiName: 'certificates-green' }, 'Green').template);

    for (const name of first) expect(name.startsWith('certificates-blue-')).toBe(true);
    expect(first.filter((name) => second.includes(name))).toEqual([]);
  });
});

describe('dashboard', () => {
  const body = (t: Template = template): string =>
    JSON.stringify(Object.values(t.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody);

  test('there is one, named after the API name and the region: a deployment of the same name in another region does not collide, dashboards being global to the account', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: { 'Fn::Join': ['', ['TestStack-', { Ref: 'AWS::Region' }]] },
    });
    const named = (region: string) =>
      Object.values(synth({ apiName: 'certificates-blue', env: { region } }).template.findResources('AWS::CloudWatch::Dashboard'))[0]!
        .Properties.DashboardName;
    expect([named('eu-west-1'), named('us-east-1')]).toEqual(['certificates-blue-eu-west-1', 'certificates-blue-us-east-1']);
  });

  test('shows the API, every function and the table', () => {
    const text = body();

    expect(text).toContain('AWS/ApiGateway');
    expect(text).toContain(logicalIdOf('AWS::ApiGatewayV2::Api'));
    for (const operation of operations) expect(text).toContain(functionIdOf(operation.name));
    expect(text).toContain('AWS/DynamoDB');
    expect(text).toContain(logicalIdOf('AWS::DynamoDB::GlobalTable'));
  });

  test('shows no stream widgets: the functions consume no stream (no IteratorAge)', () => {
    expect(body()).not.toMatch(/IteratorAge/i);
  });

  test("shows the functions' own metrics: requests, latency and each refusal, by route", () => {
    const text = body();

    expect(text).toContain(`\\"${METRICS_NAMESPACE}\\"`);
    for (const name of [
      METRIC.requests,
      METRIC.latency,
      METRIC.storeRejected,
      'ConflictException',
      'LimitExceededException',
      'TooManyRequestsException',
    ]) {
      expect(text).toContain(`\\"${name}\\"`);
    }
    for (const operation of operations) expect(text).toContain(routeKey(operation));
  });
});
