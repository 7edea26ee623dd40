import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, Fn, RemovalPolicy, Stack, Tags, Token, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  type HttpRouteIntegrationBindOptions,
  HttpStage,
  type IAccessLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import { type ILambdaDeploymentConfig, LambdaApplication, LambdaDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import { AttributeType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Alias, Architecture, Code, type IFunction, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { CONFIG_VARIABLES } from '../lambda/config.js';
import { DEFAULT_QUOTA, PARTITION_KEY, SORT_KEY } from '../lambda/store/table.js';
import { functionBundling, handlerEntry } from './function-bundling.js';
import { ClientCertificateApiMonitoring } from './monitoring.js';
import { FUNCTION_DEFAULTS, type Operation, operations, routeKey } from './operations.js';

/** The repository root: entries and the lock file are found from here, whatever the cwd. */
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Each function's code as the package carries it, bundled with NodejsFunction's options when it was
 * packed (bin/bundle-functions.ts), so that a consumer's synth needs neither esbuild nor the sources.
 * Absent in the repository, where NodejsFunction bundles at synth.
 */
const prebundled = (operation: Operation): string | undefined => {
  const path = fileURLToPath(new URL(`../functions/${operation.module}`, import.meta.url));
  return existsSync(path) ? path : undefined;
};

/**
 * Fields of each access-log line, in HTTP API `$context` variables
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html).
 * The caller's account and principal are known on IAM-authorized routes only: with `auth=none` they
 * are `-`. No credential: not `identity.accessKey`.
 */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    callerAccount: '$context.identity.accountId',
    caller: '$context.identity.caller',
    userArn: '$context.identity.userArn',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    error: '$context.error.message',
    integrationError: '$context.integrationErrorMessage',
    integrationLatency: '$context.integrationLatency',
    responseLatency: '$context.responseLatency',
  }),
);

/** The name every function's version is published under, and the routes invoke. */
export const LIVE_ALIAS = 'live';

/**
 * Tag keys on what outlives the stack (the table and log groups, retained by default), so a team can
 * find them after `cdk destroy`: `aws resourcegroupstaggingapi get-resources --tag-filters Key=...`.
 */
export const RETAINED_TAGS = { stackName: 'client-certificate-api:stack-name', apiName: 'client-certificate-api:api-name' } as const;

/** How a ClientCertificateApi is set up; every prop has a default fit for a sandbox account. */
export interface ClientCertificateApiProps {
  /**
   * Whether every route requires SigV4-signed requests (`AWS_IAM` authorization). Turn it off only
   * for a throwaway sandbox: the API is then open to anyone who knows its URL.
   *
   * @default true
   */
  readonly iamAuthorization?: boolean;

  /**
   * Steady-state request rate limit of *each route* of the `$default` stage, in requests per
   * second (a fraction is allowed). HTTP API applies a stage's default route throttling to every
   * route separately, and has no stage-wide limit of its own: with 8 routes the API as a whole
   * allows up to 8 times this, within the account's own limit for the region.
   *
   * @default 10
   */
  readonly throttleRateLimit?: number;

  /**
   * Burst limit of *each route* of the `$default` stage, in requests (an integer).
   *
   * @default 40
   */
  readonly throttleBurstLimit?: number;

  /**
   * What happens to the certificate table and the log groups when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How long the functions' logs and the API access logs are kept.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;

  /**
   * How many client certificates may exist at once (API Gateway's per-account, per-region quota);
   * one more is answered 429 LimitExceededException.
   *
   * @default 60
   */
  readonly clientCertificateQuota?: number;

  /**
   * Memory of every operation's function, in MB.
   *
   * @default 512, and 1769 (one full vCPU) for GenerateClientCertificate, which creates an RSA key pair
   */
  readonly memorySize?: number;

  /**
   * The HTTP API's name. It also names this deployment elsewhere, so it must be unique in the
   * account and region: the prefix of the alarms' names and of the dashboard's (`<apiName>-<region>`,
   * dashboards being global to the account), and the `service` of the functions' logs and metrics.
   * Letters, digits, `-` and `_`.
   *
   * @default the stack's name
   */
  readonly apiName?: string;

  /**
   * An SNS topic told when an alarm goes off and when it clears.
   *
   * @default no notifications: alarms only change state, on the console and the dashboard
   */
  readonly alarmTopic?: ITopic;

  /**
   * Whether the functions send traces to AWS X-Ray (the Lambda runtime's own support: no code in
   * the bundles changes). Each trace shows a request's time in Lambda, including its cold start.
   * X-Ray's write actions take no resource, so each role is then allowed them on `*`.
   *
   * @default false
   */
  readonly tracing?: boolean;

  /**
   * Whether DynamoDB refuses to delete the table (its deletion protection), whatever deletes it: a
   * console click, a script, or a stack update that replaces it. Turn it off only for a throwaway
   * sandbox deployed with `removalPolicy: DESTROY`, whose `cdk destroy` it would otherwise stop.
   *
   * @default true, but false with `removalPolicy: RemovalPolicy.DESTROY`
   */
  readonly deletionProtection?: boolean;

  /**
   * An alarm when the API gets no request at all for half an hour: for a stage that callers use
   * around the clock, where silence means they cannot reach it (a DNS, network or client fault).
   *
   * @default false: an idle sandbox would be alarming all the time
   */
  readonly alarmOnNoTraffic?: boolean;

  /**
   * How a new version of each function takes the traffic: a CodeDeploy configuration, e.g.
   * `LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES`. Each function's deployment rolls back on its
   * own alarms (errors, throttles, p99 latency), the API's 5xx rate and StoreRejected.
   *
   * @default no CodeDeploy: CloudFormation moves each alias to the new version at once
   */
  readonly rollout?: ILambdaDeploymentConfig;

  /**
   * Whether each function's asset carries its source map (`index.mjs.map`), to decode a logged stack
   * trace. The functions never load it (see function-bundling.ts); it is left out to keep the assets
   * small and the code's structure out of the account.
   *
   * @default false
   */
  readonly sourceMaps?: boolean;

  /**
   * How the table is encrypted at rest. The default AWS managed key (`aws/dynamodb`) costs nothing
   * to keep and needs no key policy, and unlike the AWS owned key it shows in the account and
   * CloudTrail records every use DynamoDB makes of it. Pass `TableEncryptionV2.customerManagedKey(key)`
   * to control the key's policy and rotation yourself: each function is then allowed to use that key.
   *
   * @default TableEncryptionV2.awsManagedKey()
   */
  readonly tableEncryption?: TableEncryptionV2;
}

/**
 * The ClientCertificate API on AWS: one DynamoDB table, one Lambda function per operation in
 * `operations`, and an HTTP API routing each operation's route to its function. Add it to any stack:
 *
 * ```ts
 * const certificates = new ClientCertificateApi(this, 'ClientCertificates', { iamAuthorization: false });
 * new CfnOutput(this, 'CertificatesUrl', { value: certificates.url });
 * ```
 */
export class ClientCertificateApi extends Construct {
  /** The table holding one item per client certificate. */
  public readonly table: TableV2;
  /** The HTTP API serving the operations. */
  public readonly httpApi: HttpApi;
  /** The `$default` stage; its URL is the API's base URL. */
  public readonly stage: HttpStage;
  /** The API's base URL, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com/`. */
  public readonly url: string;
  /** Each operation's function, by operation name (`UpdateClientCertificate`, ...). */
  public readonly functions: Readonly<Record<string, LambdaFunction>>;
  /** Each function's `live` alias, which its route invokes, by operation name. */
  public readonly aliases: Readonly<Record<string, Alias>>;
  /** The dashboard of the API, the functions and the table. */
  public readonly dashboard: Dashboard;
  /** The HTTP API's name, which also names the alarms, the dashboard and the metrics' `service`. */
  public readonly apiName: string;

  private readonly removalPolicy: RemovalPolicy;
  private readonly logRetention: RetentionDays;
  private readonly clientCertificateQuota: number;
  private readonly tracing: boolean;
  private readonly sourceMaps: boolean;

  constructor(scope: Construct, id: string, props: ClientCertificateApiProps = {}) {
    super(scope, id);
    checkProps(this, props);
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    this.clientCertificateQuota = props.clientCertificateQuota ?? DEFAULT_QUOTA;
    this.apiName = props.apiName ?? Stack.of(this).stackName;
    this.tracing = props.tracing ?? false;
    this.sourceMaps = props.sourceMaps ?? false;
    const iamAuthorization = props.iamAuthorization ?? true;

    this.table = new TableV2(this, 'ClientCertificateTable', {
      partitionKey: { name: PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: AttributeType.STRING },
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: props.tableEncryption ?? TableEncryptionV2.awsManagedKey(),
      removalPolicy: this.removalPolicy,
      deletionProtection: props.deletionProtection ?? this.removalPolicy !== RemovalPolicy.DESTROY,
    });
    this.tagRetained(this.table);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: this.apiName,
      description: 'Amazon API Gateway ClientCertificate API',
      createDefaultStage: false,
      defaultAuthorizer: iamAuthorization ? new HttpIamAuthorizer() : undefined,
    });

    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: props.throttleRateLimit ?? 10,
        burstLimit: props.throttleBurstLimit ?? 40,
      },
      accessLogSettings: {
        destination: accessLogDestination(this.logGroup('AccessLogs', `${VENDED_LOGS}/${this.apiName}-${stackGuid(this)}`)),
        format: accessLogFormat,
      },
    });

    this.url = this.stage.url;
    const functions: Record<string, LambdaFunction> = {};
    const aliases: Record<string, Alias> = {};
    for (const operation of operations) {
      const fn = this.operationFunction(operation, props.memorySize ?? operation.memorySize ?? FUNCTION_DEFAULTS.memorySize);
      // Each deployment publishes a version; the route invokes the alias, which a rollout moves step by step.
      const alias = new Alias(this, `${operation.name}Alias`, { aliasName: LIVE_ALIAS, version: fn.currentVersion });
      functions[operation.name] = fn;
      aliases[operation.name] = alias;
      this.httpApi.addRoutes({
        path: operation.path,
        methods: [HttpMethod[operation.method]],
        integration: new MethodScopedLambdaIntegration(`${operation.name}Integration`, alias, operation.method),
      });
    }
    this.functions = functions;
    this.aliases = aliases;

    const monitoring = new ClientCertificateApiMonitoring(this, 'Monitoring', {
      name: this.apiName,
      service: this.apiName,
      httpApi: this.httpApi,
      table: this.table,
      functions: operations.map((operation) => ({ operation, fn: functions[operation.name]! })),
      alarmTopic: props.alarmTopic,
      alarmOnNoTraffic: props.alarmOnNoTraffic ?? false,
    });
    this.dashboard = monitoring.dashboard;

    if (props.rollout !== undefined) {
      const application = new LambdaApplication(this, 'Deployments');
      for (const operation of operations) {
        const group = new LambdaDeploymentGroup(this, `${operation.name}Deployment`, {
          application,
          alias: aliases[operation.name]!,
          deploymentConfig: props.rollout,
          alarms: monitoring.rollbackAlarms(operation),
          autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
        });
        Validations.of(group.role).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
          reason:
            'LambdaDeploymentGroup always attaches it. Its wildcards are what CodeDeploy needs to move an alias and read ' +
            'alarms (lambda:GetAlias/UpdateAlias, cloudwatch:DescribeAlarms), objects under */CodeDeploy/* and CodeDeployHook_* ' +
            'functions; no log, table or key access. Only with rollout set.',
        });
      }
    }

    if (!iamAuthorization) {
      // cdk-nag 3 reads acknowledgments from the construct tree; this one covers every route.
      Validations.of(this.httpApi).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'IAM authorization is switched off on purpose (iamAuthorization: false): ' +
          'a sandbox deployment that unsigned clients such as curl can call.',
      });
    }
  }

  /**
   * The operation's function, with a role that may write only to its own log group and perform
   * only the operation's `tableActions` on the table.
   */
  private operationFunction(operation: Operation, memorySize: number): LambdaFunction {
    const logGroup = this.logGroup(`${operation.name}Logs`);
    // Not AWSLambdaBasicExecutionRole: its logs actions apply to every log group in the account.
    const role = new Role(this, `${operation.name}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${operation.name}`,
    });
    logGroup.grantWrite(role);

    const props = {
      description: `${operation.name} (${routeKey(operation)})`,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize,
      timeout: Duration.seconds(FUNCTION_DEFAULTS.timeoutSeconds),
      role,
      logGroup,
      tracing: this.tracing ? Tracing.ACTIVE : undefined,
      // No NODE_OPTIONS=--enable-source-maps: see functionBundling.sourceMap for why.
      environment: {
        POWERTOOLS_SERVICE_NAME: this.apiName,
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
    };
    const id = `${operation.name}Function`;
    const code = prebundled(operation);
    const fn =
      code === undefined
        ? new NodejsFunction(this, id, {
            ...props,
            entry: `${repoRoot}${handlerEntry(operation.module)}`,
            handler: 'handler',
            projectRoot: repoRoot,
            depsLockFilePath: `${repoRoot}package-lock.json`,
            bundling: { ...functionBundling, sourceMap: this.sourceMaps },
          })
        : // The package's bundles carry their maps (bin/bundle-functions.ts); the asset only when asked.
          new LambdaFunction(this, id, {
            ...props,
            code: Code.fromAsset(code, { exclude: this.sourceMaps ? [] : ['*.map'] }),
            handler: 'index.handler',
          });
    this.useTable(fn, operation.tableActions);
    if (this.tracing) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray tracing is on (tracing: true): xray:PutTraceSegments and xray:PutTelemetryRecords take no resource.',
      });
    }
    return fn;
  }

  /**
   * Points the function at the table and its quota, and allows it exactly `actions` on it (and on
   * its key, if it is ours), nothing more.
   */
  private useTable(fn: LambdaFunction, actions: readonly string[]): void {
    fn.addEnvironment(CONFIG_VARIABLES.tableName, this.table.tableName);
    fn.addEnvironment(CONFIG_VARIABLES.quota, String(this.clientCertificateQuota));
    this.table.grant(fn, ...actions);
    // Named actions, not grantEncryptDecrypt's `kms:ReEncrypt*` and `kms:GenerateDataKey*`.
    const writes = actions.some((action) => /:(Put|Update|Delete|BatchWrite)/.test(action));
    this.table.encryptionKey?.grant(fn, 'kms:Decrypt', 'kms:DescribeKey', ...(writes ? ['kms:Encrypt', 'kms:GenerateDataKey'] : []));
  }

  private logGroup(id: string, logGroupName?: string): LogGroup {
    const group = new LogGroup(this, id, {
      ...(logGroupName === undefined ? {} : { logGroupName }),
      retention: this.logRetention,
      removalPolicy: this.removalPolicy,
    });
    this.tagRetained(group);
    return group;
  }

  /** Tags what may outlive the stack with the stack's and the API's names (RETAINED_TAGS). */
  private tagRetained(resource: Construct): void {
    Tags.of(resource).add(RETAINED_TAGS.stackName, Stack.of(this).stackName);
    Tags.of(resource).add(RETAINED_TAGS.apiName, this.apiName);
  }
}

/** The route's function, invocable by API Gateway for that route's method only (not `*`, as HttpLambdaIntegration allows). */
class MethodScopedLambdaIntegration extends HttpLambdaIntegration {
  constructor(
    private readonly integrationId: string,
    private readonly fn: IFunction,
    private readonly method: Operation['method'],
  ) {
    super(integrationId, fn, { payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 });
  }

  protected override completeBind({ route, scope }: HttpRouteIntegrationBindOptions): void {
    this.fn.addPermission(`${this.integrationId}-Permission`, {
      scope,
      principal: new ServicePrincipal('apigateway.amazonaws.com'),
      sourceArn: Stack.of(route).formatArn({
        service: 'execute-api',
        resource: route.httpApi.apiId,
        // `*` for each path variable: AWS does not document whether the source ARN carries the route's
        // `{label}` or the request's value, and a literal `{label}` matches only the former (SAM's
        // "Invalid permissions on Lambda function", aws/serverless-application-model#110). With `*`
        // both match, as in CDK's own HttpRoute.routeArn and SAM's HTTP API permissions; no other
        // route of the method shares the path up to it.
        resourceName: `*/${this.method}${(route.path ?? '').replace(/\{[^}]*\}/g, '*')}`,
      }),
    });
  }
}

/**
 * Where API Gateway's access logs go. A log group elsewhere gets an entry of its own in the account's
 * CloudWatch Logs resource policy, limited to 5120 characters: in a busy account the stage then fails
 * to deploy. Groups under /aws/vendedlogs/ are allowed without one
 * (https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html).
 */
const VENDED_LOGS = '/aws/vendedlogs/apigateway';

/**
 * The id CloudFormation gave this deployment of the stack: in a log group's name, a group retained by
 * an earlier deployment (RemovalPolicy.RETAIN) does not take the name a new one needs.
 */
const stackGuid = (scope: Construct): string => Fn.select(2, Fn.split('/', Stack.of(scope).stackId));

/**
 * The log group's ARN as API Gateway stores it: without the `:*` of its `Arn` attribute, which
 * drift detection would otherwise report as a change to the stage.
 */
const accessLogDestination = (logGroup: LogGroup): IAccessLogDestination => ({
  bind: () => ({
    destinationArn: Stack.of(logGroup).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: logGroup.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  }),
});

/** Refuses, at synth and naming the prop, settings that would deploy and then fail. */
const checkProps = (scope: Construct, props: ClientCertificateApiProps): void => {
  const check = (name: keyof ClientCertificateApiProps, value: number | undefined, ok: (n: number) => boolean, what: string) => {
    if (value !== undefined && !Token.isUnresolved(value) && !ok(value)) throw new Error(`${name} must be ${what}, got ${value}`);
  };
  check('clientCertificateQuota', props.clientCertificateQuota, (n) => Number.isInteger(n) && n >= 1, 'a positive integer');
  check('throttleRateLimit', props.throttleRateLimit, (n) => Number.isFinite(n) && n > 0, 'a positive number');
  check('throttleBurstLimit', props.throttleBurstLimit, (n) => Number.isInteger(n) && n >= 1, 'a positive integer');
  check('memorySize', props.memorySize, (n) => Number.isInteger(n) && n >= 128 && n <= 10_240, 'an integer from 128 to 10240');
  if (props.apiName !== undefined && !/^[A-Za-z0-9_-]{1,100}$/.test(props.apiName)) {
    throw new Error(`apiName must be 1 to 100 letters, digits, '-' or '_', got ${JSON.stringify(props.apiName)}`);
  }
  if (props.deletionProtection === true && props.removalPolicy === RemovalPolicy.DESTROY) {
    throw new Error('deletionProtection cannot be on with removalPolicy DESTROY: cdk destroy would fail to delete the table');
  }
  // TableV2 puts the key in a replica, which needs a region; without one its error names neither.
  if (props.tableEncryption?.tableKey !== undefined && Token.isUnresolved(Stack.of(scope).region)) {
    throw new Error(
      'tableEncryption with a customer managed key needs a stack with an explicit region ' +
        "(env: { region: '...' }); this stack is region-agnostic",
    );
  }
};
