/**
 * The S3 event notification Lambda receives for an ObjectCreated:Put, as AWS shapes it (event
 * version 2.1, URL-encoded key), so local runs call the real handler with the real shape.
 */
import type { S3Event } from 'aws-lambda';

export interface ObjectCreated {
  bucket: string;
  key: string;
  eTag: string;
  size: number;
  /** Who put the object; AWS gives the uploader's principal id. */
  principalId?: string;
  region?: string;
  at?: Date;
}

/** S3 encodes keys in events like a form value: space as '+', the rest percent-encoded. */
const encodeKey = (key: string) => encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');

export function objectCreatedEvent(object: ObjectCreated): S3Event {
  const region = object.region ?? 'us-east-1';
  const principalId = object.principalId ?? 'local';
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: (object.at ?? new Date()).toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'local', 'x-amz-id-2': 'local' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'usage-files',
          bucket: { name: object.bucket, ownerIdentity: { principalId }, arn: `arn:aws:s3:::${object.bucket}` },
          object: { key: encodeKey(object.key), size: object.size, eTag: object.eTag.replace(/"/g, ''), sequencer: Date.now().toString(16).toUpperCase() },
        },
      },
    ],
  };
}
