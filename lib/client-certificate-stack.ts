import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ClientCertificateApi, type ClientCertificateApiProps } from './client-certificate-api.js';

export interface ClientCertificateStackProps extends StackProps, ClientCertificateApiProps {}

/** The deployable app's one stack: the ClientCertificateApi construct and its outputs. */
export class ClientCertificateStack extends Stack {
  public readonly api: ClientCertificateApi;

  constructor(scope: Construct, id: string, props: ClientCertificateStackProps = {}) {
    super(scope, id, props);
    this.api = new ClientCertificateApi(this, 'ClientCertificateApi', props);

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the ClientCertificate API',
      value: this.api.url,
    });
    new CfnOutput(this, 'TableName', {
      description: 'DynamoDB table holding the client certificates',
      value: this.api.table.tableName,
    });
  }
}
