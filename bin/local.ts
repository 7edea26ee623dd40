// `npm start`: the ClientCertificate API on this machine, on dynalite. Configured by environment.
import type { LocalService } from '../lib/local/service.js';
import { startLocalService } from '../lib/local/service.js';
import type { LocalServiceSettings } from '../lib/local/settings.js';
import { localServiceOptionsFromEnvironment } from '../lib/local/settings.js';
import { checkStartUp, startUpFailure } from '../lib/local/start-up.js';

let options: LocalServiceSettings;
let service: LocalService;
try {
  options = localServiceOptionsFromEnvironment();
  await checkStartUp(options);
  service = await startLocalService(options);
} catch (error) {
  // A setting at fault is told in one line; anything else is shown whole.
  const failure = startUpFailure(error);
  if (failure === undefined) throw error;
  console.error(failure);
  process.exit(1);
}

console.log(`listening on ${service.url}`);
if (options.sigv4) {
  const keys = [options.sigv4.credentials].flat().map((key) => key.accessKeyId);
  console.log(`checking SigV4 signatures for service '${options.sigv4.service}' and access key(s) ${keys.join(', ')}`);
}
if (options.throttle) console.log(`throttling each route at ${options.throttle.rate} requests/s, burst ${options.throttle.burst}`);
const signing = options.sigv4 ? '' : ' --no-sign-request';
console.log(`try: aws apigateway generate-client-certificate --description demo --endpoint-url ${service.url} --region ${process.env.AWS_REGION}${signing}`);

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
