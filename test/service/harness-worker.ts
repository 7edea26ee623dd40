// One test worker of a harness, as a team writes it after docs/local-service.md: its own key, so its
// own namespace, on a service other workers share; each round it resets, seeds, faults and calls, and
// checks every answer. Run as `node --import tsx harness-worker.ts` (or bundled, as
// ./parallel-workers.test.ts runs it) with ENDPOINT, ACCESS_KEY_ID, SECRET_ACCESS_KEY, ROUNDS and RUNS
// (each run starts over: reset, a new seed, its rounds); exits 0 when every check held, else prints
// the first failure and exits 1.
import { strict as assert } from 'node:assert';
import {
  APIGatewayClient,
  GenerateClientCertificateCommand,
  GetClientCertificateCommand,
  GetClientCertificatesCommand,
  UpdateClientCertificateCommand,
} from '@aws-sdk/client-api-gateway';
import { controlClient } from '../../lib/local/control-client.js';

const { ENDPOINT = '', ACCESS_KEY_ID = '', SECRET_ACCESS_KEY = '', ROUNDS = '5', RUNS = '1' } = process.env;
const credentials = { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY };
const sdk = new APIGatewayClient({ endpoint: ENDPOINT, region: 'us-east-1', credentials });
const local = controlClient({ endpoint: ENDPOINT, credentials });

const ids = async (): Promise<string[]> =>
  ((await sdk.send(new GetClientCertificatesCommand({ limit: 500 }))).items ?? []).map((item) => item.clientCertificateId!).sort();

try {
  for (let run = 0; run < Number(RUNS); run++) {
    // The seed: one certificate, saved as GET /_local/state gives it, put back at each round's start.
    const { namespace } = await local.reset();
    const seeded = (await sdk.send(new GenerateClientCertificateCommand({ description: 'seed', tags: { worker: ACCESS_KEY_ID } })))
      .clientCertificateId!;
    const saved = (await local.state()).namespaces[namespace]!;

    for (let round = 0; round < Number(ROUNDS); round++) {
      const reset = await local.reset();
      assert.equal(reset.namespace, namespace);
      assert.deepEqual(await ids(), [], `run ${run} round ${round}: empty after its own reset`);

      await local.seed({ namespaces: { [namespace]: saved } });
      assert.deepEqual(await ids(), [seeded], `run ${run} round ${round}: the seed and nothing else`);

      const fault = await local.addFault({
        operations: ['GetClientCertificate'],
        action: { error: { type: 'ServiceUnavailableException' } },
        when: { next: 1 },
      });
      const got = await sdk.send(new GetClientCertificateCommand({ clientCertificateId: seeded }));
      assert.equal(got.$metadata.attempts, 2, `run ${run} round ${round}: its own fault fired once, then the retry passed`);
      assert.deepEqual(got.tags, { worker: ACCESS_KEY_ID });
      const rules = await local.faults();
      assert.deepEqual(
        rules.map((rule) => [rule.id, rule.namespace, rule.hits]),
        [[fault, namespace, 1]],
        `run ${run} round ${round}: its own rules only`,
      );

      const made = (await sdk.send(new GenerateClientCertificateCommand({ description: `round ${round}` }))).clientCertificateId!;
      const updated = await sdk.send(
        new UpdateClientCertificateCommand({
          clientCertificateId: made,
          patchOperations: [{ op: 'replace', path: '/description', value: `${ACCESS_KEY_ID} ${round}` }],
        }),
      );
      assert.equal(updated.description, `${ACCESS_KEY_ID} ${round}`);
      assert.deepEqual(await ids(), [seeded, made].sort(), `run ${run} round ${round}: the seed and its own certificate`);

      await local.removeFaults();
      assert.deepEqual(await local.faults(), [], `run ${run} round ${round}: its rules removed`);
    }
  }
  sdk.destroy();
} catch (error) {
  console.error(`${ACCESS_KEY_ID}: ${(error as Error).message}`);
  process.exit(1);
}
