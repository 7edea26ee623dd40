import { type App, CfnOutput, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ClientCertificateApi } from '../../lib/client-certificate-api.js';
import { operations } from '../../lib/operations.js';
import { testApp } from '../support/stack.js';

// A team's own stack, adding the API the way the construct's documentation shows.
class TeamStack extends Stack {
  readonly certificates: ClientCertificateApi;

  constructor(scope: App) {
    super(scope, 'TeamStack');
    this.certificates = new ClientCertificateApi(this, 'ClientCertificates', { iamAuthorization: false, clientCertificateQuota: 10 });
    new CfnOutput(this, 'CertificatesUrl', { value: this.certificates.url });
  }
}

let team: { stack: TeamStack; template: Template } | undefined;
// Synthesized once for the file: every test reads the same stack.
const synth = () => {
  if (team === undefined) {
    const stack = new TeamStack(testApp());
    team = { stack, template: Template.fromStack(stack) };
  }
  return team;
};

test('added to any stack in a few lines, it brings every route, its table and its functions', () => {
  const { template } = synth();

  template.resourceCountIs('AWS::ApiGatewayV2::Route', operations.length);
  template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
  template.resourceCountIs('AWS::Lambda::Function', operations.length);
  template.hasOutput('CertificatesUrl', {});
});

test("exposes each operation's function by name, and the table and stage", () => {
  const { stack } = synth();
  const { functions, table, stage, httpApi } = stack.certificates;

  expect(Object.keys(functions).sort()).toEqual(operations.map((o) => o.name).sort());
  expect(table.tableName).toBeDefined();
  expect(stage.stageName).toBe('$default');
  expect(httpApi.apiId).toBeDefined();
});

test('takes its props from the team: here, no IAM authorization and a quota of 10', () => {
  const { template } = synth();

  template.hasResourceProperties('AWS::ApiGatewayV2::Route', { AuthorizationType: 'NONE' });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: { CLIENT_CERTIFICATE_QUOTA: '10' } },
  });
});
