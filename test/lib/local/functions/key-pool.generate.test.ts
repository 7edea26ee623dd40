import { CONFIG_VARIABLES } from '../../../../lambda/config.js';
import type { LocalFunctions } from '../../../../lib/local/functions/functions.js';
import { startFunctions } from '../../../../lib/local/functions/functions.js';
import type { KeyPool } from '../../../../lib/local/functions/key-pool.js';
import { startKeyPool } from '../../../../lib/local/functions/key-pool.js';
import { httpApiEvent, lambdaContext } from '../../../../lib/local/functions/lambda-runtime.js';
import type { LocalDynamoDb } from '../../../../lib/local/store/dynalite.js';
import { startDynalite } from '../../../../lib/local/store/dynalite.js';
import { operations } from '../../../../lib/operations.js';
import { until } from '../../../support/wait.js';

/**
 * Generate on the functions' thread with a key pool, counted: a Generate that finds a pair ready runs
 * no key generation in its path; those of a burst larger than the pool make their own at once.
 */

const POOL = 3;
const generateOperation = operations.find((o) => o.name === 'GenerateClientCertificate')!;

let store: LocalDynamoDb;
let pool: KeyPool;
let functions: LocalFunctions;

beforeAll(async () => {
  store = await startDynalite('ClientCertificates');
  pool = startKeyPool(POOL);
  functions = await startFunctions(
    {},
    {
      ...process.env,
      [CONFIG_VARIABLES.tableName]: 'ClientCertificates',
      [CONFIG_VARIABLES.dynamoDbEndpoint]: store.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    { keyPool: pool },
  );
});

afterAll(async () => {
  await functions?.close();
  await pool?.close();
  await store?.close();
});

const generate = async () => {
  const event = httpApiEvent({ operation: generateOperation, headers: { 'content-type': 'application/json' }, body: '{}' });
  return ((await functions.invoke(generateOperation, event, lambdaContext(generateOperation, 'us-east-1'))) as { statusCode: number })
    .statusCode;
};

test('Generate with the pool warm runs no key generation in the request path; a burst larger than the pool makes its own for the rest', async () => {
  await until('the pool full', () => pool.ready() === POOL, 60_000);

  const warm = [await generate(), await generate()];
  await until('both Generates reported', () => pool.taken() + pool.generatedInPlace() === 2);
  const inPlaceWarm = pool.generatedInPlace();
  await until('the pool full again', () => pool.ready() === POOL, 60_000);
  const burst = await Promise.all(Array.from({ length: POOL + 4 }, generate));
  await until('the burst reported', () => pool.taken() + pool.generatedInPlace() === POOL + 6);

  expect([...warm, ...burst]).toEqual(Array(POOL + 6).fill(201));
  expect(inPlaceWarm).toBe(0);
  // Every pair the pool held went to the burst; some beyond it made their own (not all, if a pair made meanwhile reached one).
  expect(pool.taken()).toBeGreaterThanOrEqual(2 + POOL);
  expect(pool.generatedInPlace()).toBeGreaterThan(0);
});
