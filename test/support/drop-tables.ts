/**
 * Runs in every test file (vitest `setupFiles`). When the file is done, the tables it made are
 * deleted: the suite shares one in-memory DynamoDB Local per worker, which otherwise keeps every
 * item of every file until the run ends and slows down as it fills. Then the worker's engine is
 * replaced if it has done a lot of work (global-setup.ts: it keeps the stream records of deleted
 * tables). Registered first, this hook runs after the file's own afterAll hooks (servers and
 * stream pollers stopped).
 */
import { afterAll, inject } from 'vitest';
import { tablesMade } from './tables-made';
import { engineNumber } from './endpoints';

afterAll(async () => {
  if (tablesMade.size === 0) return;
  // Loaded only by files that made tables: unit tests never load the SDK for this.
  const { DeleteTableCommand, ResourceNotFoundException } = await import('@aws-sdk/client-dynamodb');
  const { dynamoClient } = await import('./aws');
  const client = dynamoClient();
  await Promise.all(
    [...tablesMade].map(async (TableName) => {
      try {
        await client.send(new DeleteTableCommand({ TableName }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    }),
  );
  tablesMade.clear();
  client.destroy();
  const recycled = await fetch(`${inject('dynamoRecycleUrl')}/${engineNumber()}`, { method: 'POST' });
  if (!recycled.ok) throw new Error(`replacing the worker's DynamoDB Local failed: ${recycled.status} ${await recycled.text()}`);
}, 60_000);
