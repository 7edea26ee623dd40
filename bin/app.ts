import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { appSettings } from '../lib/app-settings.js';
import { ClientCertificateStack } from '../lib/client-certificate-stack.js';

const app = new App();
const { stackName, props } = appSettings(app);

new ClientCertificateStack(app, stackName, {
  ...props,
  // The account and region the CDK CLI resolved, when it could: a customer managed key needs a region.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

// cdk-nag 3 is a policy-validation plugin: a finding the stack does not acknowledge fails synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
