// A real DynamoDB protocol server on loopback for the tests: npm dynalite
// (DynamoDB's API on an in-memory LevelDB), with the run lock's table made as
// infra/run-lock.ts makes it (partition key lockId).
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

/** A running DynamoDB server and a client of it. */
export interface DynamoDbServer {
  endpoint: string;
  /** A new client of the server (each test may make its own; destroy it when done). */
  client(): DynamoDBClient;
  /** Creates a lock table as the RunLock construct does; returns its name. */
  createLockTable(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Starts dynalite on 127.0.0.1 on a free port. */
export async function startDynamoDbServer(): Promise<DynamoDbServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: DynamoDBClient[] = [];
  const client = () => {
    const c = new DynamoDBClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 2 });
    clients.push(c);
    return c;
  };
  return {
    endpoint,
    client,
    async createLockTable(name) {
      await client().send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [{ AttributeName: 'lockId', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'lockId', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      return name;
    },
    async stop() {
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
