import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ClientCertificateApi, type ClientCertificateApiProps } from './client-certificate-api.js';

export interface ClientCertificateStackProps extends StackProps, ClientCertificateApiProps {
  /**
   * The ARN of an existing SNS topic to notify of alarms, for the app (`-c alarmTopicArn=...`);
   * ignored when `alarmTopic` is given.
   *
   * @default no notifications
   */
  readonly alarmTopicArn?: string;
}

/** The deployable app's one stack: the ClientCertificateApi construct and its outputs. */
export class ClientCertificateStack extends Stack {
  public readonly api: ClientCertificateApi;

  constructor(scope: Construct, id: string, props: ClientCertificateStackProps = {}) {
    super(scope, id, props);
    const alarmTopic =
      props.alarmTopic ?? (props.alarmTopicArn === undefined ? undefined : Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn));
    this.api = new ClientCertificateApi(this, 'ClientCertificateApi', { ...props, alarmTopic });

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the ClientCertificate API',
      value: this.api.url,
    });
    new CfnOutput(this, 'TableName', {
      description: 'DynamoDB table holding the client certificates',
      value: this.api.table.tableName,
    });
    new CfnOutput(this, 'DashboardName', {
      description: 'CloudWatch dashboard of the API, its functions and its table',
      value: this.api.dashboard.dashboardName,
    });
  }
}
