/**
 * Runs in every test file (vitest `setupFiles`). When the file is done, the tables it made are
 * deleted: the suite shares one in-memory DynamoDB Local, which otherwise keeps every item and
 * every stream record of every file until the run ends and slows down as it fills.
 * Registered first, this hook runs after the file's own afterAll hooks (servers and stream
 * pollers stopped).
 */
import { afterAll } from 'vitest';
import { tablesMade } from './tables-made';

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
}, 60_000);
