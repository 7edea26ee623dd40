// `npm start`: the ClientCertificate API on this machine, on dynalite. Configured by environment.
import { startLocalService } from '../lib/local/service.js';

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, got '${process.env.PORT}'`);
  process.exit(1);
}

const service = await startLocalService({ port, host: process.env.HOST, dataDir: process.env.DATA_DIR });
console.log(`listening on ${service.url}`);
console.log(`try: aws apigateway generate-client-certificate --description demo --endpoint-url ${service.url} --region ${process.env.AWS_REGION} --no-sign-request`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: finishing requests under way, then closing the store`);
  await service.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
