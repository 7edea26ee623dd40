import { readConfig } from '../../lambda/config.js';
import { DEFAULT_QUOTA } from '../../lambda/store/table.js';

describe('Function: readConfig', () => {
  test('reads the table, the quota and the local endpoint from the environment it is given', () => {
    const env = { TABLE_NAME: 'T', CLIENT_CERTIFICATE_QUOTA: '7', DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' };

    expect(readConfig(env)).toEqual({ tableName: 'T', quota: 7, dynamoDbEndpoint: 'http://127.0.0.1:9' });
  });

  test("without a quota or an endpoint: API Gateway's default quota, and the SDK's endpoint", () => {
    expect(readConfig({ TABLE_NAME: 'T' })).toEqual({ tableName: 'T', quota: DEFAULT_QUOTA });
  });

  test('fails at start-up, naming the variable, without a table name', () => {
    expect(() => readConfig({ CLIENT_CERTIFICATE_QUOTA: '7' })).toThrow('Missing required environment variable TABLE_NAME');
  });

  test.each(['0', '2.5', 'sixty', '-1'])('fails at start-up on a quota of %j', (quota) => {
    expect(() => readConfig({ TABLE_NAME: 'T', CLIENT_CERTIFICATE_QUOTA: quota })).toThrow(
      'CLIENT_CERTIFICATE_QUOTA must be a positive integer',
    );
  });
});
