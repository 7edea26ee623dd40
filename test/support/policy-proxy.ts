import { createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { operations } from '../../lib/operations.js';

/**
 * The header that says whose role a test client's calls run under: on AWS the function's credentials
 * say it. Signed with the rest, as the SDK signs every header it sends.
 */
const ROLE_HEADER = 'x-test-role';

/** The role of the test's own setup and checks, which may do anything: not a function's. */
export const TEST_SETUP = 'TestSetup';

/** A call as a client sent it to the proxy. */
export interface SentCall {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export interface PolicyProxy {
  /** Where the store's clients are to find the store. */
  readonly endpoint: string;
  /** `Role: dynamodb:Action` of every call refused since the proxy started. */
  readonly refused: string[];
  /** The DynamoDB actions each function's role has been allowed since the proxy started. */
  readonly used: Map<string, Set<string>>;
  /** The first call allowed for each `Role: dynamodb:Action`, as sent: to send it again under other grants. */
  readonly sample: Map<string, SentCall>;
  /** The actions each function's role is granted now: a test may withdraw one (and must give it back). */
  readonly grants: Map<string, Set<string>>;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the local store that does what IAM does in front of DynamoDB: a call
 * from a function's role is forwarded only if the role is granted its action, and otherwise answered
 * as DynamoDB answers it, 400 AccessDeniedException. Each function's role is granted its operation's
 * `tableActions` (lib/operations.ts) on the table `table()` names, its one resource: a stack test
 * holds both equal to the synthesized template's (the table's ARN, no index, no other table).
 */
export const startPolicyProxy = async (target: string, table: () => string): Promise<PolicyProxy> => {
  const grants = new Map(operations.map((operation) => [operation.name, new Set(operation.tableActions)]));
  const refused: string[] = [];
  const used = new Map<string, Set<string>>();
  const sample = new Map<string, SentCall>();
  const sockets = new Set<Socket>();
  const { hostname, port } = new URL(target);

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const role = String(req.headers[ROLE_HEADER] ?? '');
      const action = `dynamodb:${String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop()}`;
      const allowed = role === TEST_SETUP || (grants.get(role)?.has(action) === true && tablesOf(body).every((name) => name === table()));
      if (!allowed) {
        refused.push(`${role}: ${action}`);
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        return void res.end(
          JSON.stringify({
            __type: 'com.amazon.coral.service#AccessDeniedException',
            Message: `User: arn:aws:sts::000000000000:assumed-role/${role}/${role} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
          }),
        );
      }
      if (role !== TEST_SETUP) {
        used.set(role, (used.get(role) ?? new Set()).add(action));
        if (!sample.has(`${role}: ${action}`)) sample.set(`${role}: ${action}`, { path: req.url ?? '/', headers: req.headers, body });
      }
      const upstream = request({ hostname, port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.socket?.destroy());
      upstream.end(body);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refused,
    used,
    sample,
    grants,
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
};

/** The tables a DynamoDB request names: its `TableName`, or a batch's `RequestItems`. */
const tablesOf = (body: Buffer): string[] => {
  const { TableName, RequestItems } = JSON.parse(body.toString('utf8') || '{}') as { TableName?: string; RequestItems?: object };
  return [...(TableName === undefined ? [] : [TableName]), ...Object.keys(RequestItems ?? {})];
};

/** Makes every call `client` sends run under the role `role()` names at the time: a function's name, or TEST_SETUP. */
export const actingAs = (client: DynamoDBDocumentClient, role: () => string): void => {
  client.middlewareStack.add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers[ROLE_HEADER] = role();
      return next(args);
    },
    { step: 'build', name: 'actingAs' },
  );
};
