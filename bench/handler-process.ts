// Measures UpdateClientCertificate's handler inside one process, as Lambda runs it: the middy chain,
// body parsing, validation, patching and rendering, with an in-memory store behind the port so no
// I/O is timed. Runs alone in a child process (fresh JIT, logs written to the parent's choice of
// stdout, at the level the stack configures) and reports over the IPC channel.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { VALIDITY_SECONDS } from '../lambda/domain/client-certificate.js';
import { issueSelfSignedCertificate } from '../lambda/domain/pem.js';
import type { ClientCertificateStore } from '../lambda/store/client-certificate-store.js';
import { httpApiEvent, lambdaContext } from '../lib/local/functions/lambda-runtime.js';
import { operations } from '../lib/operations.js';
import { InMemoryStore } from './memory-store.js';
import { quantile } from './stats.js';

/** What the handler process reports: microseconds per invocation. */
export interface HandlerCost {
  readonly invocations: number;
  readonly p50: number;
  readonly p99: number;
}

const WARMUP = 3_000;
const MEASURED = 20_000;
const ID = 'bench1';

// The handler module reads its configuration at import, as in Lambda; it never reaches DynamoDB here.
process.env.TABLE_NAME ??= 'Unused';
process.env.AWS_REGION ??= 'us-east-1';
const { createHandler } = await import('../lambda/handlers/update-client-certificate.js');
const operation = operations.find((o) => o.name === 'UpdateClientCertificate')!;

const store = new InMemoryStore();
const createdDate = Math.floor(Date.now() / 1000);
store.put({
  clientCertificateId: ID,
  description: 'bench',
  pemEncodedCertificate: await issueSelfSignedCertificate(createdDate, createdDate + VALIDITY_SECONDS),
  createdDate,
  expirationDate: createdDate + VALIDITY_SECONDS,
  tags: { team: 'bench' },
});
// The update path only ever calls load and saveIfVersion.
const handler = createHandler(() => store as unknown as ClientCertificateStore);

/** A payload 2.0 event as HTTP API sends it for a signed SDK request. */
const event = (n: number): APIGatewayProxyEventV2 =>
  httpApiEvent({
    operation,
    pathParameters: { clientcertificate_id: ID },
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      host: 'abc123.execute-api.us-east-1.amazonaws.com',
      'user-agent': 'aws-sdk-js/3 ua/2.1 os/linux lang/js md/nodejs#24 api/api-gateway#3',
      'x-amz-date': '20260101T000000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'https',
    },
    requestId: `bench-${n}`,
    body: JSON.stringify({ patchOperations: [{ op: 'replace', path: '/description', value: `bench ${n}` }] }),
  });

const micros: number[] = [];
for (let n = 0; n < WARMUP + MEASURED; n++) {
  const input = event(n);
  const context = lambdaContext(operation, 'us-east-1');
  const started = process.hrtime.bigint();
  const response = (await handler(input, context)) as { statusCode: number };
  const elapsed = Number(process.hrtime.bigint() - started) / 1_000;
  if (response.statusCode !== 200) throw new Error(`the handler answered ${response.statusCode}`);
  if (n >= WARMUP) micros.push(elapsed);
}

const cost: HandlerCost = { invocations: micros.length, p50: quantile(micros, 0.5), p99: quantile(micros, 0.99) };
process.send!(cost, () => process.disconnect());
