/** Advertisers and partners: request and response schemas of the `directory` group. */
import '../zod-openapi';
import * as z from 'zod';
import { Id } from '../terms';
import { IdParams } from './common';
import { operation, type Operations } from './operation';

const Name = z.string().trim().min(1).max(200);

export const CreateAdvertiserBody = z.strictObject({
  name: Name,
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
  timezone: z.string().min(1).max(64),
});

export const AdvertiserSchema = z
  .object({
    id: Id,
    name: z.string(),
    currency: z.string(),
    timezone: z.string(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .openapi('Advertiser');

export const CreatePartnerBody = z.strictObject({ name: Name });

export const PartnerSchema = z
  .object({ id: Id, name: z.string(), createdBy: z.string(), createdAt: z.string(), updatedAt: z.string(), version: z.number().int() })
  .openapi('Partner');

export const DIRECTORY_OPERATIONS = {
  'POST /v1/advertisers': operation({ body: CreateAdvertiserBody, responses: { 201: AdvertiserSchema } }),
  'GET /v1/advertisers/{id}': operation({ params: IdParams, responses: { 200: AdvertiserSchema }, errors: [404] }),
  'POST /v1/partners': operation({ body: CreatePartnerBody, responses: { 201: PartnerSchema } }),
} as const satisfies Operations;
