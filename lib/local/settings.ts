import type { LocalServiceOptions } from './service.js';

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The local service's options from the environment `npm start` runs in, read once at start-up.
 * Throws naming the variable at fault, so a misconfigured service never starts half-secured.
 */
export const localServiceOptionsFromEnvironment = (env: Environment = process.env): LocalServiceOptions => ({
  port: port(env),
  host: env.HOST,
  dataDir: env.DATA_DIR,
  sigv4: sigv4(env),
  throttle: throttle(env),
});

const port = (env: Environment): number => {
  const value = Number(env.PORT ?? 3000);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`PORT must be a port number, got '${env.PORT}'`);
  return value;
};

/** `AUTH=sigv4` checks signatures against the one key pair in the environment; unset or `none` checks nothing. */
const sigv4 = (env: Environment): LocalServiceOptions['sigv4'] => {
  const mode = env.AUTH ?? 'none';
  if (mode === 'none') return undefined;
  if (mode !== 'sigv4') throw new Error(`AUTH must be 'none' or 'sigv4', got '${mode}'`);
  const accessKeyId = required(env, 'AWS_ACCESS_KEY_ID', 'with AUTH=sigv4');
  const secretAccessKey = required(env, 'AWS_SECRET_ACCESS_KEY', 'with AUTH=sigv4');
  const sessionToken = env.AWS_SESSION_TOKEN || undefined;
  return {
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) },
    service: env.SIGV4_SERVICE || 'apigateway',
  };
};

/** `THROTTLE_RATE` and `THROTTLE_BURST` together, as the stage's limits; neither set means no throttling. */
const throttle = (env: Environment): LocalServiceOptions['throttle'] => {
  if (env.THROTTLE_RATE === undefined && env.THROTTLE_BURST === undefined) return undefined;
  const rate = Number(required(env, 'THROTTLE_RATE', 'with THROTTLE_BURST'));
  const burst = Number(required(env, 'THROTTLE_BURST', 'with THROTTLE_RATE'));
  if (!(rate > 0) || !Number.isFinite(rate)) throw new Error(`THROTTLE_RATE must be a positive number, got '${env.THROTTLE_RATE}'`);
  if (!Number.isInteger(burst) || burst < 1) throw new Error(`THROTTLE_BURST must be a positive integer, got '${env.THROTTLE_BURST}'`);
  return { rate, burst };
};

const required = (env: Environment, name: string, context: string): string => {
  const value = env[name];
  if (!value) throw new Error(`${name} must be set ${context}`);
  return value;
};
