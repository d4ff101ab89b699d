/** Advertisers and partners: request and response schemas of the `directory` group. */
import '../zod-openapi';
import * as z from 'zod';
import { isCountryCode } from '../../domain/kernel/countries';
import { Id, PercentString } from '../terms';
import { IdParams, ListQuery, page } from './common';
import { FunctionGroup, operation, Role, type Operations } from './operation';

const { ADMIN, ADVERTISER, FINANCE, OPS } = Role;

const Name = z.string().trim().min(1).max(200);
const Line = z.string().trim().min(1).max(200);
const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD');

export const AddressSchema = z
  .strictObject({
    line1: Line,
    line2: Line.optional(),
    city: Line,
    postalCode: z.string().trim().min(1).max(20),
    region: Line.optional(),
    country: z.string().refine(isCountryCode, 'must be an ISO 3166-1 alpha-2 country code such as DE'),
  })
  .openapi('Address');

/** How the advertiser's invoices are taxed: a rate (VAT, GST, sales tax), reverse charge with its legal note, or exempt. */
export const TaxTreatmentSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('RATE'), ratePct: PercentString, label: z.string().trim().min(1).max(32) }),
    z.strictObject({ kind: z.literal('REVERSE_CHARGE'), note: z.string().trim().min(1).max(500) }),
    z.strictObject({ kind: z.literal('EXEMPT') }),
  ])
  .openapi('TaxTreatment');

export const BillingProfileSchema = z
  .strictObject({
    legalName: Name,
    address: AddressSchema,
    taxId: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9 .\-/]+$/, 'letters, digits, spaces and . - / only').optional(),
    tax: TaxTreatmentSchema,
    paymentTermsDays: z.number().int().min(0).max(365),
    invoiceEmail: z.email('must be an e-mail address').max(254),
  })
  .openapi('BillingProfile');

export const CreateAdvertiserBody = z.strictObject({
  name: Name,
  currency: Currency,
  timezone: z.string().min(1).max(64),
  billingProfile: BillingProfileSchema.optional(),
});

/** The whole editable advertiser; the currency it is billed in cannot change. */
export const UpdateAdvertiserBody = z.strictObject({
  name: Name,
  currency: Currency,
  timezone: z.string().min(1).max(64),
  billingProfile: BillingProfileSchema.nullable().default(null),
});

export const AdvertiserSchema = z
  .object({
    id: Id,
    name: z.string(),
    currency: z.string(),
    timezone: z.string(),
    billingProfile: BillingProfileSchema.nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .openapi('Advertiser');

export const CreatePartnerBody = z.strictObject({ name: Name });
export const UpdatePartnerBody = z.strictObject({ name: Name });

export const PartnerSchema = z
  .object({ id: Id, name: z.string(), createdBy: z.string(), createdAt: z.string(), updatedAt: z.string(), version: z.number().int() })
  .openapi('Partner');

/** `name`: case-insensitive prefix of the name. */
export const AdvertiserListQuery = ListQuery.extend({ name: z.string().trim().min(1).max(200).optional(), currency: Currency.optional() });
export const PartnerListQuery = ListQuery.extend({ name: z.string().trim().min(1).max(200).optional() });

export const DIRECTORY_OPERATIONS = {
  'POST /v1/advertisers': operation({
    group: FunctionGroup.DIRECTORY,
    roles: [OPS, ADMIN],
    summary: 'Create an advertiser',
    body: CreateAdvertiserBody,
    responses: { 201: AdvertiserSchema },
  }),
  'GET /v1/advertisers': operation({
    group: FunctionGroup.DIRECTORY,
    roles: [OPS, FINANCE, ADMIN],
    summary: 'List advertisers',
    query: AdvertiserListQuery,
    responses: { 200: page(AdvertiserSchema) },
    description: 'Advertisers by name; `name` filters by a case-insensitive name prefix, `currency` by billing currency.',
  }),
  'GET /v1/advertisers/{id}': operation({
    group: FunctionGroup.DIRECTORY,
    roles: [OPS, FINANCE, ADMIN, ADVERTISER],
    summary: 'Read an advertiser',
    params: IdParams,
    responses: { 200: AdvertiserSchema },
    errors: [404],
  }),
  'PUT /v1/advertisers/{id}': operation({
    group: FunctionGroup.DIRECTORY,
    roles: [OPS, ADMIN],
    summary: "Replace an advertiser's name, time zone and billing profile",
    params: IdParams,
    body: UpdateAdvertiserBody,
    responses: { 200: AdvertiserSchema },
    errors: [404],
    ifMatch: 'required',
    description: "Replaces the advertiser's name, time zone and billing profile. The billing currency cannot change (400).",
  }),
  'POST /v1/partners': operation({
    group: FunctionGroup.DIRECTORY,
    roles: [OPS, ADMIN],
    summary: 'Create a partner',
    body: CreatePartnerBody,
    responses: { 201: PartnerSchema },
  }),
  'GET /v1/partners': operation({
    group: FunctionGroup.DIRECTORY,
    roles: [OPS, FINANCE, ADMIN],
    summary: 'List partners',
    query: PartnerListQuery,
    responses: { 200: page(PartnerSchema) },
    description: 'Partners by name; `name` filters by a case-insensitive name prefix.',
  }),
  'GET /v1/partners/{id}': operation({
    group: FunctionGroup.DIRECTORY,
    roles: [OPS, FINANCE, ADMIN],
    summary: 'Read a partner',
    params: IdParams,
    responses: { 200: PartnerSchema },
    errors: [404],
  }),
  'PUT /v1/partners/{id}': operation({
    group: FunctionGroup.DIRECTORY,
    roles: [OPS, ADMIN],
    summary: "Rename a partner",
    params: IdParams,
    body: UpdatePartnerBody,
    responses: { 200: PartnerSchema },
    errors: [404],
    ifMatch: 'required',
  }),
} as const satisfies Operations;
