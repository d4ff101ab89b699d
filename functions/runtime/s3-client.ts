/** The S3 client, built once per Lambda container (see clients.ts for why it is a module of its own). */
import { S3Client } from '@aws-sdk/client-s3';
import { localCredentials } from './clients';
import { config } from './config';
import { traced } from './observability';

let s3Client: S3Client | undefined;

export function s3(): S3Client {
  if (!s3Client) {
    const { S3_ENDPOINT, AWS_REGION } = config();
    s3Client = traced(
      new S3Client(
        S3_ENDPOINT
          ? { region: AWS_REGION, endpoint: S3_ENDPOINT, forcePathStyle: true, credentials: localCredentials('S3RVER') }
          : { region: AWS_REGION },
      ),
    );
  }
  return s3Client;
}
