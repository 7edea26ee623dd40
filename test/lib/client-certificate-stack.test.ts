import { App, RemovalPolicy, type Stack, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { LambdaDeploymentConfig } from 'aws-cdk-lib/aws-codedeploy';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LIVE_ALIAS, RETAINED_TAGS } from '../../lib/client-certificate-api.js';
import { ClientCertificateStack } from '../../lib/client-certificate-stack.js';
import { type Operation, operations, routeKey } from '../../lib/operations.js';
import { BUILD_DEADLINE_MS, bundledStack, STACK_NAME, synth } from '../support/stack.js';

/** A resource or statement as `Template` returns it: plain CloudFormation JSON. */
type Json = Record<string, any>;

/** The stack by default, as `cdk synth` makes it: shared by every suite of the run. */
let template: Template;
beforeAll(async () => {
  ({ template } = await bundledStack());
}, BUILD_DEADLINE_MS);

const eachOperation = operations.map((op) => [op.name, op] as const);
const eachRouteKey = operations.map((op) => [routeKey(op)] as const);

const onlyResource = (resources: Record<string, Json>): [logicalId: string, resource: Json] => {
  const entries = Object.entries(resources);
  expect(entries).toHaveLength(1);
  return entries[0]!;
};

const resourceById = (template: Template, logicalId: string): Json => template.toJSON().Resources[logicalId];

/** The operation's function, found by the description the stack gives it. */
const functionOf = (template: Template, operation: Operation): [logicalId: string, fn: Json] =>
  onlyResource(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Description: `${operation.name} (${routeKey(operation)})` },
    }),
  );

/** The `live` alias of the operation's function, which its route invokes. */
const aliasOf = (template: Template, operation: Operation): [logicalId: string, alias: Json] =>
  onlyResource(
    template.findResources('AWS::Lambda::Alias', {
      Properties: { FunctionName: { Ref: functionOf(template, operation)[0] }, Name: LIVE_ALIAS },
    }),
  );

const roleIdOf = (fn: Json): string => fn.Properties.Role['Fn::GetAtt'][0];

/** Every statement of every IAM policy attached to the operation's function's role. */
const statementsOf = (template: Template, operation: Operation): Json[] => {
  const [, fn] = functionOf(template, operation);
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: roleIdOf(fn) }] },
  });
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
};

const actionsOf = (statement: Json): string[] => [statement.Action].flat().sort();

const tableIdOf = (template: Template): string => onlyResource(template.findResources('AWS::DynamoDB::GlobalTable'))[0];

describe('routes', () => {
  test.each(eachOperation)(
    "%s has its route, integrated with its own function's live alias over payload format 2.0",
    (_name, operation) => {
      const [aliasId] = aliasOf(template, operation);
      const [integrationId] = onlyResource(
        template.findResources('AWS::ApiGatewayV2::Integration', {
          Properties: {
            IntegrationType: 'AWS_PROXY',
            IntegrationUri: { Ref: aliasId },
            PayloadFormatVersion: '2.0',
          },
        }),
      );

      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey(operation),
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
      });
    },
  );

  test.each(eachOperation)(
    "%s's live alias may be invoked by API Gateway for its route's method and path only, whatever its path variables hold",
    (_name, operation) => {
      const [functionId] = functionOf(template, operation);
      const [aliasId] = aliasOf(template, operation);
      const [apiId] = onlyResource(template.findResources('AWS::ApiGatewayV2::Api'));
      const permissionsOf = (functionName: Json) =>
        Object.values(template.findResources('AWS::Lambda::Permission', { Properties: { FunctionName: functionName } }));
      const permissions = permissionsOf({ Ref: aliasId });

      // Only the alias: an unqualified invocation would run $LATEST, outside any rollout.
      expect(permissionsOf({ 'Fn::GetAtt': [functionId, 'Arn'] })).toEqual([]);
      expect(permissions).toHaveLength(1);
      expect(permissions[0]!.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
      const parts = permissions[0]!.Properties.SourceArn['Fn::Join'][1];
      // Each `{label}` is `*`: matched by the route's label and by any value a request gives it.
      expect(parts.slice(-2)).toEqual([{ Ref: apiId }, `/*/${operation.method}${operation.path.replace(/\{[^}]*\}/g, '*')}`]);
      expect(parts.at(-1)).not.toMatch(/[{}]/);
    },
  );

  test('there is no route beyond the operations', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Route', operations.length);
  });

  test.each(eachRouteKey)('%s requires AWS_IAM authorization by default', (key) => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: key,
      AuthorizationType: 'AWS_IAM',
    });
  });

  test.each(eachRouteKey)('%s has no authorization when iamAuthorization is false', (key) => {
    const { template } = synth({ iamAuthorization: false });

    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: key,
      AuthorizationType: 'NONE',
    });
  });
});

describe('stage', () => {
  test('is the only one: $default, auto-deployed, throttled at 10 rps burst 40 by default', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 40 },
    });
  });

  test('is throttled at the given rate and burst limits', () => {
    const { template } = synth({ throttleRateLimit: 3, throttleBurstLimit: 7 });

    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 3, ThrottlingBurstLimit: 7 },
    });
  });

  test('names its access-log group under /aws/vendedlogs/, apart from groups retained by earlier deployments', () => {
    const [, stage] = onlyResource(template.findResources('AWS::ApiGatewayV2::Stage'));
    const logGroupId = stage.Properties.AccessLogSettings.DestinationArn['Fn::Join'][1].at(-1).Ref;
    const [, [prefix, guid]] = resourceById(template, logGroupId).Properties.LogGroupName['Fn::Join'];

    expect(prefix).toBe(`/aws/vendedlogs/apigateway/${STACK_NAME}-`);
    expect(guid).toEqual({ 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] });
  });

  test('writes JSON access logs to its own log group', () => {
    const [, stage] = onlyResource(template.findResources('AWS::ApiGatewayV2::Stage'));
    const { DestinationArn, Format } = stage.Properties.AccessLogSettings;
    const [prefix, logGroupName] = DestinationArn['Fn::Join'][1].slice(-2);

    // The ARN API Gateway stores, without the `:*` of the log group's Arn attribute (drift detection compares them).
    expect(prefix).toBe(':log-group:');
    expect(resourceById(template, logGroupName.Ref).Type).toBe('AWS::Logs::LogGroup');
    expect(JSON.parse(Format)).toMatchObject({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      routeKey: '$context.routeKey',
      status: '$context.status',
      protocol: '$context.protocol',
      responseLength: '$context.responseLength',
      integrationError: '$context.integrationErrorMessage',
    });
  });

  test("access log lines say who called (the signer's account and principal), API Gateway's error and the integration's latency", () => {
    const [, stage] = onlyResource(template.findResources('AWS::ApiGatewayV2::Stage'));

    expect(JSON.parse(stage.Properties.AccessLogSettings.Format)).toMatchObject({
      callerAccount: '$context.identity.accountId',
      caller: '$context.identity.caller',
      userArn: '$context.identity.userArn',
      error: '$context.error.message',
      integrationLatency: '$context.integrationLatency',
      responseLatency: '$context.responseLatency',
    });
  });
});

describe('functions', () => {
  test('there is one function per operation', () => {
    template.resourceCountIs('AWS::Lambda::Function', operations.length);
  });

  test.each(eachOperation)(
    '%s runs on nodejs24.x, arm64, a 10 s timeout, no tracing, and no source maps to load at start-up',
    (_name, operation) => {
      const [, fn] = functionOf(template, operation);

      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Timeout: 10,
        Environment: {
          Variables: {
            POWERTOOLS_SERVICE_NAME: 'TestStack',
            POWERTOOLS_LOG_LEVEL: 'INFO',
          },
        },
      });
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
      expect(fn.Properties.TracingConfig).toBeUndefined();
    },
  );

  test.each(eachOperation)("%s's live alias points at a version published from the function", (_name, operation) => {
    const [functionId] = functionOf(template, operation);
    const [, alias] = aliasOf(template, operation);
    const versionId = alias.Properties.FunctionVersion['Fn::GetAtt'][0];

    expect(resourceById(template, versionId)).toMatchObject({
      Type: 'AWS::Lambda::Version',
      Properties: { FunctionName: { Ref: functionId } },
    });
  });

  test.each(eachOperation)('%s gets the certificate quota, 60 by default', (_name, operation) => {
    const [, fn] = functionOf(template, operation);

    expect(fn.Properties.Environment.Variables.CLIENT_CERTIFICATE_QUOTA).toBe('60');
  });

  test('the quota is configurable', () => {
    const { template } = synth({ clientCertificateQuota: 200 });

    for (const operation of operations) {
      expect(functionOf(template, operation)[1].Properties.Environment.Variables.CLIENT_CERTIFICATE_QUOTA).toBe('200');
    }
  });

  test.each([0, -1, 1.5, Number.NaN])('a quota of %p stops the synth, as the functions would refuse it at init', (quota) => {
    expect(() => synth({ clientCertificateQuota: quota })).toThrow(`clientCertificateQuota must be a positive integer, got ${quota}`);
  });

  test('have 512 MB, but GenerateClientCertificate a full vCPU (1769 MB) for its RSA key generation', () => {
    for (const operation of operations) {
      const expected = operation.name === 'GenerateClientCertificate' ? 1769 : 512;
      expect(functionOf(template, operation)[1].Properties.MemorySize).toBe(expected);
    }
  });

  test('have the configured memory size', () => {
    const { template } = synth({ memorySize: 1024 });

    for (const operation of operations) {
      expect(functionOf(template, operation)[1].Properties.MemorySize).toBe(1024);
    }
  });

  test.each(eachOperation)('%s gets the table name in TABLE_NAME', (_name, operation) => {
    const [, fn] = functionOf(template, operation);

    expect(fn.Properties.Environment.Variables.TABLE_NAME).toEqual({ Ref: tableIdOf(template) });
  });

  test.each(eachOperation)('%s may perform exactly its tableActions on the table', (_name, operation) => {
    const tableId = tableIdOf(template);
    const onTable = statementsOf(template, operation).filter((statement) => JSON.stringify(statement.Resource).includes(`"${tableId}"`));

    expect(onTable).toEqual([
      {
        Effect: 'Allow',
        Action: expect.anything(),
        Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
      },
    ]);
    expect(actionsOf(onTable[0]!)).toEqual([...operation.tableActions].sort());
  });

  test.each(eachOperation)("%s's role allows its tableActions and writing its own logs, nothing else, no wildcard", (_name, operation) => {
    const [, fn] = functionOf(template, operation);
    const statements = statementsOf(template, operation);

    expect(resourceById(template, roleIdOf(fn)).Properties.ManagedPolicyArns).toBeUndefined();
    expect(statements.flatMap(actionsOf).sort()).toEqual([...operation.tableActions, 'logs:CreateLogStream', 'logs:PutLogEvents'].sort());
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [fn.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] },
      }),
    );
    expect(JSON.stringify(statements)).not.toContain('*');
  });

  test.each(eachOperation)('%s logs to its own log group, kept one month by default', (_name, operation) => {
    const [, fn] = functionOf(template, operation);

    expect(resourceById(template, fn.Properties.LoggingConfig.LogGroup.Ref)).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
    });
  });

  test('every log group, access logs included, keeps logs for the configured retention', () => {
    const { template } = synth({ logRetention: RetentionDays.ONE_WEEK });

    template.resourceCountIs('AWS::Logs::LogGroup', operations.length + 1);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });
});

describe('props checked at synth', () => {
  test.each([
    [{ clientCertificateQuota: 0 }, 'clientCertificateQuota must be a positive integer, got 0'],
    [{ clientCertificateQuota: 2.5 }, 'clientCertificateQuota must be a positive integer, got 2.5'],
    [{ throttleBurstLimit: 2.5 }, 'throttleBurstLimit must be a positive integer, got 2.5'],
    [{ throttleBurstLimit: 0 }, 'throttleBurstLimit must be a positive integer, got 0'],
    [{ throttleRateLimit: 0 }, 'throttleRateLimit must be a positive number, got 0'],
    [{ throttleRateLimit: Number.NaN }, 'throttleRateLimit must be a positive number, got NaN'],
    [{ memorySize: 64 }, 'memorySize must be an integer from 128 to 10240, got 64'],
    [{ apiName: 'two words' }, 'apiName must be 1 to 100 letters, digits'],
  ] as const)('%j is refused, naming the prop', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test('a fractional rate is accepted: HTTP API takes a Double there', () => {
    const { template } = synth({ throttleRateLimit: 0.5, throttleBurstLimit: 1 });

    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 0.5, ThrottlingBurstLimit: 1 },
    });
  });
});

describe('naming', () => {
  test("the API is named after the stack by default, and its functions' logs and metrics too", () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: 'TestStack' });
    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'TestStack' }) },
    });
  });

  test('the API name is settable, for two deployments in one account and region', () => {
    const { template } = synth({ apiName: 'certificates-blue' });

    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: 'certificates-blue' });
    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'certificates-blue' }) },
    });
  });
});

describe('tracing', () => {
  test('is on for every function with tracing: true (off by default: see "functions")', () => {
    const { template } = synth({ tracing: true });

    template.allResourcesProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
  });

  test('lets cdk-nag find nothing, acknowledging only IAM5 for X-Ray on each role', () => {
    const { stack, template } = synth({ tracing: true });
    const xray = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((statement: Json) => JSON.stringify(statement.Action).includes('xray:'));

    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
    expect(xray).toHaveLength(operations.length);
    for (const statement of xray) expect(actionsOf(statement)).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });
});

describe('table', () => {
  test('is keyed by namespace (account and region) then clientCertificateId, on demand, with point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'namespace', KeyType: 'HASH' },
        { AttributeName: 'clientCertificateId', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'namespace', AttributeType: 'S' },
        { AttributeName: 'clientCertificateId', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      ],
    });
  });

  test('is retained, with the log groups, when it leaves the stack by default', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });

  test('is deleted, with the log groups, when the removal policy is DESTROY', () => {
    const { template } = synth({ removalPolicy: RemovalPolicy.DESTROY });

    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
    template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
  });
});

describe('deletion protection', () => {
  test('is on by default', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] });
  });

  test('is off for a sandbox deployed with removalPolicy DESTROY, whose cdk destroy it would stop, or when turned off', () => {
    const off = { Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] };

    synth({ removalPolicy: RemovalPolicy.DESTROY }).template.hasResourceProperties('AWS::DynamoDB::GlobalTable', off);
    synth({ deletionProtection: false }).template.hasResourceProperties('AWS::DynamoDB::GlobalTable', off);
  });

  test('asked for with removalPolicy DESTROY is refused at synth, saying why', () => {
    expect(() => synth({ deletionProtection: true, removalPolicy: RemovalPolicy.DESTROY }, 'Refused')).toThrow(
      'deletionProtection cannot be on with removalPolicy DESTROY: cdk destroy would fail to delete the table',
    );
  });
});

describe('what outlives cdk destroy', () => {
  const tagged = { [RETAINED_TAGS.stackName]: STACK_NAME, [RETAINED_TAGS.apiName]: 'certificates-blue' };
  const tagsOf = (tags: { Key: string; Value: unknown }[] = []) => Object.fromEntries(tags.map(({ Key, Value }) => [Key, Value]));

  test('the table and every log group are tagged with the stack and API names, to be found once the stack is gone', () => {
    const { template } = synth({ apiName: 'certificates-blue' });
    const [, table] = onlyResource(template.findResources('AWS::DynamoDB::GlobalTable'));
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));

    expect(tagsOf(table.Properties.Replicas[0].Tags)).toMatchObject(tagged);
    expect(groups).toHaveLength(operations.length + 1);
    for (const group of groups) expect(tagsOf(group.Properties.Tags)).toMatchObject(tagged);
  });
});

describe('gradual rollout', () => {
  const rolledOut = () => synth({ rollout: LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES });
  const alarmNameOf = (template: Template, ref: Json): string => resourceById(template, ref.Ref).Properties.AlarmName;

  test('is off by default: no CodeDeploy, each alias moved by CloudFormation', () => {
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 0);
  });

  test.each(eachOperation)(
    "moves %s's live alias with the configuration given, rolling back on its own alarms, the API's 5xx rate and StoreRejected",
    (name, operation) => {
      const { template } = rolledOut();
      const [, alias] = aliasOf(template, operation);
      // CloudFormation hands the alias's update to the deployment group its UpdatePolicy names.
      const group = resourceById(template, alias.UpdatePolicy.CodeDeployLambdaAliasUpdate.DeploymentGroupName.Ref);

      template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', operations.length);
      expect(group.Type).toBe('AWS::CodeDeploy::DeploymentGroup');
      expect(group.Properties).toMatchObject({
        DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent15Minutes',
        AutoRollbackConfiguration: { Enabled: true, Events: expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']) },
        AlarmConfiguration: { Enabled: true },
      });
      const names = group.Properties.AlarmConfiguration.Alarms.map((alarm: Json) => alarmNameOf(template, alarm.Name)).sort();
      expect(names).toEqual(
        [
          'TestStack-Api-Fault-Rate-Critical',
          'TestStack-Functions-StoreRejected-Critical',
          `TestStack-${name}-Fault-Count-Critical`,
          `TestStack-${name}-Latency-P99-Critical`,
          `TestStack-${name}-Throttled-Count-Critical`,
        ].sort(),
      );
    },
  );
});

describe('outputs', () => {
  test('ApiUrl is the $default stage URL', () => {
    const [apiId] = onlyResource(template.findResources('AWS::ApiGatewayV2::Api'));
    const region = { Ref: 'AWS::Region' };
    const suffix = { Ref: 'AWS::URLSuffix' };
    const url = ['https://', { Ref: apiId }, '.execute-api.', region, '.', suffix, '/'];

    template.hasOutput('ApiUrl', { Value: { 'Fn::Join': ['', url] } });
  });

  test('TableName is the table name', () => {
    template.hasOutput('TableName', { Value: { Ref: tableIdOf(template) } });
  });
});

describe('cdk-nag AwsSolutions', () => {
  // cdk-nag 3 reports through CDK's policy validation, not annotations: ask the pack directly.
  const findings = (stack: Stack) => new AwsSolutionsChecks().validateScope(stack).violations;

  const acknowledgedRules = (stack: Stack): string[] =>
    stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.keys(entry.data as object))
      .map((id) => id.replace(/^annotation::/i, ''));

  test('finds nothing', () => {
    const { stack } = synth();

    expect(findings(stack)).toEqual([]);
  });

  test('acknowledges no rule by default', () => {
    const { stack } = synth();

    expect(acknowledgedRules(stack)).toEqual([]);
  });

  test('finds nothing with a gradual rollout, acknowledging only the CodeDeploy role policy LambdaDeploymentGroup always attaches', () => {
    const { stack } = synth({ rollout: LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES });

    expect(findings(stack)).toEqual([]);
    expect([...new Set(acknowledgedRules(stack))]).toEqual([
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
    ]);
  });

  test('finds nothing with authorization off, acknowledging only APIG4', () => {
    const { stack } = synth({ iamAuthorization: false });

    expect(findings(stack)).toEqual([]);
    expect(acknowledgedRules(stack)).toEqual(['AwsSolutions-APIG4']);
  });

  test('lets the app synthesize with the pack registered as a plugin, as bin/app.ts does', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new ClientCertificateStack(app, 'TestStack');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).not.toThrow();
  });
});
