import { fileURLToPath } from 'node:url';
import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { PARTITION_KEY } from '../lambda/store/table.js';
import { functionBundling } from './function-bundling.js';
import { type Operation, operations, routeKey } from './operations.js';

/** The repository root: entries and the lock file are found from here, whatever the cwd. */
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Fields of each access-log line, in HTTP API `$context` variables. */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    integrationError: '$context.integrationErrorMessage',
  }),
);

export interface ClientCertificateStackProps extends StackProps {
  /**
   * Whether every route requires SigV4-signed requests (`AWS_IAM` authorization). Turn it off only
   * for a throwaway sandbox: the API is then open to anyone who knows its URL.
   *
   * @default true
   */
  readonly iamAuthorization?: boolean;

  /**
   * Steady-state request rate limit of the `$default` stage, in requests per second.
   *
   * @default 10
   */
  readonly throttleRateLimit?: number;

  /**
   * Burst limit of the `$default` stage, in requests.
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
   * Memory of each operation's function, in MB.
   *
   * @default 512
   */
  readonly memorySize?: number;
}

/**
 * The ClientCertificate API on AWS: one DynamoDB table, one Lambda function per operation in
 * `operations`, and an HTTP API routing each operation's route to its function.
 */
export class ClientCertificateStack extends Stack {
  /** The table holding one item per client certificate. */
  public readonly table: TableV2;
  /** The HTTP API serving the operations. */
  public readonly httpApi: HttpApi;
  /** The `$default` stage; its URL is the API's base URL. */
  public readonly stage: HttpStage;

  private readonly removalPolicy: RemovalPolicy;
  private readonly logRetention: RetentionDays;

  constructor(scope: Construct, id: string, props: ClientCertificateStackProps = {}) {
    super(scope, id, props);
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const iamAuthorization = props.iamAuthorization ?? true;

    this.table = new TableV2(this, 'ClientCertificateTable', {
      partitionKey: { name: PARTITION_KEY, type: AttributeType.STRING },
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Encrypted at rest with the AWS owned key: no key to manage, no KMS charges.
      encryption: TableEncryptionV2.dynamoOwnedKey(),
      removalPolicy: this.removalPolicy,
    });

    this.httpApi = new HttpApi(this, 'HttpApi', {
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
        destination: new LogGroupLogDestination(this.logGroup('AccessLogs')),
        format: accessLogFormat,
      },
    });

    for (const operation of operations) {
      const fn = this.operationFunction(operation, props.memorySize ?? 512);
      this.httpApi.addRoutes({
        path: operation.path,
        methods: [HttpMethod[operation.method]],
        integration: new HttpLambdaIntegration(`${operation.name}Integration`, fn, {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        }),
      });
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

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the ClientCertificate API',
      value: this.stage.url,
    });
    new CfnOutput(this, 'TableName', {
      description: 'DynamoDB table holding the client certificates',
      value: this.table.tableName,
    });
  }

  /**
   * The operation's function, with a role that may write only to its own log group and perform
   * only the operation's `tableActions` on the table.
   */
  private operationFunction(operation: Operation, memorySize: number): NodejsFunction {
    const logGroup = this.logGroup(`${operation.name}Logs`);
    // Not AWSLambdaBasicExecutionRole: its logs actions apply to every log group in the account.
    const role = new Role(this, `${operation.name}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${operation.name}`,
    });
    logGroup.grantWrite(role);

    const fn = new NodejsFunction(this, `${operation.name}Function`, {
      description: `${operation.name} (${routeKey(operation)})`,
      entry: `${repoRoot}lambda/handlers/${operation.module}.ts`,
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: `${repoRoot}package-lock.json`,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize,
      timeout: Duration.seconds(10),
      role,
      logGroup,
      // No NODE_OPTIONS=--enable-source-maps: see functionBundling.sourceMap for why.
      environment: {
        POWERTOOLS_SERVICE_NAME: 'client-certificate-api',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
      bundling: functionBundling,
    });
    this.useTable(fn, operation.tableActions);
    return fn;
  }

  /** Points the function at the table and allows it exactly `actions` on it, nothing more. */
  private useTable(fn: NodejsFunction, actions: readonly string[]): void {
    fn.addEnvironment('TABLE_NAME', this.table.tableName);
    this.table.grant(fn, ...actions);
  }

  private logGroup(id: string): LogGroup {
    return new LogGroup(this, id, {
      retention: this.logRetention,
      removalPolicy: this.removalPolicy,
    });
  }
}
