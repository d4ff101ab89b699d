/** Runs s3rver in this process as the local S3, for the real @aws-sdk/client-s3 (path style). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { freePort } from './processes';

/** s3rver accepts only its own fixed credentials. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3Local {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startS3Local(options: { port?: number; directory?: string; buckets?: string[] } = {}): Promise<S3Local> {
  const port = options.port ?? (await freePort());
  // A directory of its own is scratch space, removed on stop; a given one (the local stack's) is kept.
  const scratch = options.directory === undefined;
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    port,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name, configs: [] })),
  });
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      await server.close();
      if (scratch) rmSync(directory, { recursive: true, force: true });
    },
  };
}
