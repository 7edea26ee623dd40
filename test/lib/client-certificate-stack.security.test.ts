import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { TableEncryptionV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ClientCertificateStack } from '../../lib/client-certificate-stack.js';
import { BUILD_DEADLINE_MS, bundledStack, synth, testApp } from '../support/stack.js';

/** A resource or statement as `Template` returns it: plain CloudFormation JSON. */
type Json = Record<string, any>;

/** The stack by default, as `cdk synth` makes it: shared by every suite of the run. */
let template: Template;
beforeAll(async () => {
  ({ template } = await bundledStack());
}, BUILD_DEADLINE_MS);

/** The stack with its table encrypted under a customer managed key from another stack (a replica needs a region). */
const withCustomerManagedKey = () => {
  const app = testApp();
  const env = { account: '111111111111', region: 'us-east-1' };
  const key = new Key(new Stack(app, 'Keys', { env }), 'TableKey', { enableKeyRotation: true });
  const stack = new ClientCertificateStack(app, 'TestStack', { env, tableEncryption: TableEncryptionV2.customerManagedKey(key) });
  return { stack, template: Template.fromStack(stack) };
};

/** Every statement of every identity policy in the template: policies, inline role policies, managed policies. */
const identityStatements = (template: Template): Json[] => {
  const resources = Object.values(template.toJSON().Resources as Record<string, Json>);
  return resources.flatMap((resource) => {
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy')
      return resource.Properties.PolicyDocument.Statement;
    if (resource.Type === 'AWS::IAM::Role') return (resource.Properties.Policies ?? []).flatMap((p: Json) => p.PolicyDocument.Statement);
    return [];
  });
};

const tableId = (template: Template): string => Object.keys(template.findResources('AWS::DynamoDB::GlobalTable'))[0]!;

/** The one shape of wildcard allowed: every index of the certificate table. */
const isTableIndexes = (resource: unknown, table: string): boolean =>
  JSON.stringify(resource) === JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/*']] });

describe.each([
  ['by default', () => synth()],
  ['with IAM authorization off', () => synth({ iamAuthorization: false })],
  ['with a customer managed key', withCustomerManagedKey],
])('IAM %s', (_, build) => {
  test('no statement allows a wildcard action, or a wildcard resource beyond the table and its indexes', () => {
    const { template } = build();
    const table = tableId(template);
    const statements = identityStatements(template);

    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
      for (const resource of [statement.Resource].flat()) {
        expect(resource).not.toBe('*');
        if (JSON.stringify(resource).includes('*')) expect(isTableIndexes(resource, table)).toBe(true);
      }
    }
  });

  test('no role carries an AWS managed policy (their log permissions cover every log group)', () => {
    const { template } = build();

    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  test('cdk-nag AwsSolutions finds nothing', () => {
    const { stack } = build();

    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });
});

describe('encryption at rest', () => {
  test('uses the AWS managed KMS key by default: in the account, each use in CloudTrail', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [Match.objectLike({ SSESpecification: Match.absent() })],
    });
  });

  test('can use a customer managed key, which every function may then use, and no other key', () => {
    const { template } = withCustomerManagedKey();
    const keyStatements = identityStatements(template).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('kms:')));

    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [Match.objectLike({ SSESpecification: { KMSMasterKeyId: Match.anyValue() } })],
    });
    expect(keyStatements).toHaveLength(Object.keys(template.findResources('AWS::Lambda::Function')).length);
    for (const statement of keyStatements) {
      expect(JSON.stringify(statement.Resource)).toMatch(/TableKey/);
      expect([statement.Action].flat().sort()).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:DescribeKey']));
      expect(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']).toEqual(
        expect.arrayContaining([statement.Action].flat()),
      );
    }
    // A function that only reads may only decrypt.
    expect(keyStatements.map((st) => [st.Action].flat().sort().join())).toContain('kms:Decrypt,kms:DescribeKey');
  });
});

describe('logs', () => {
  test('no function logs its events, which carry certificates and signed headers', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
      expect(variables.POWERTOOLS_LOGGER_LOG_EVENT).toBeUndefined();
      expect(variables.POWERTOOLS_LOG_LEVEL).toBe('INFO');
    }
  });

  test('access log lines name the request and hold no credential', () => {
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    const format = stage!.Properties.AccessLogSettings.Format as string;

    expect(JSON.parse(format).requestId).toBe('$context.requestId');
    expect(format).not.toMatch(/accessKey|authorization|apiKey|principal|body/i);
  });

  test('every log group has a retention', () => {
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays).toEqual(expect.any(Number));
    }
  });
});

test('a customer managed key in a region-agnostic stack is refused at synth, saying what to set', () => {
  const app = testApp();
  const key = new Key(new Stack(app, 'Keys'), 'TableKey', { enableKeyRotation: true });

  expect(() => new ClientCertificateStack(app, 'TestStack', { tableEncryption: TableEncryptionV2.customerManagedKey(key) })).toThrow(
    "tableEncryption with a customer managed key needs a stack with an explicit region (env: { region: '...' })",
  );
});
