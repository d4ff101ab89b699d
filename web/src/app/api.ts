/**
 * The console's only way to the server: RTK Query endpoints over the public API, typed with the
 * project's zod schemas (app/types.ts). Reads of mutable resources keep their ETag so the
 * following change can send it back as If-Match (a stale one answers 412).
 */
import { createApi, fetchBaseQuery, type BaseQueryFn, type FetchArgs, type FetchBaseQueryError, type FetchBaseQueryMeta } from '@reduxjs/toolkit/query/react';
import { sessionExpired, type AuthState } from './authSlice';
import type {
  AmendmentInput,
  ApproveInput,
  AuditEntry,
  Advertiser,
  BillingRun,
  Contract,
  ContractSummaryT,
  ContractVersion,
  ConversionBatchInput,
  ApproveCreditInput,
  CreateCreditInput,
  Credit,
  RejectCreditInput,
  RetriedBillingRun,
  Spend,
  VersionImpact,
  PaymentInput,
  Receivables,
  CreateContractInput,
  ExportList,
  ImpressionBatchInput,
  IngestResult,
  Invoice,
  InvoiceSummary,
  Page,
  PartnerStatement,
  PartnerPaymentInput,
  RejectInput,
  RenewalInput,
  StartBillingRunInput,
  StartedBillingRun,
  TerminationInput,
  UpdateVersionInput,
  VoidInput,
  VoidedInvoice,
  WithEtag,
} from './types';

const rawBaseQuery = fetchBaseQuery({
  baseUrl: '/',
  prepareHeaders: (headers, { getState }) => {
    const { token } = (getState() as { auth: AuthState }).auth;
    if (token) headers.set('authorization', `Bearer ${token}`);
    return headers;
  },
});

/** A 401 means the token is gone or expired: back to the sign-in page. */
const baseQuery: BaseQueryFn<string | FetchArgs, unknown, FetchBaseQueryError, object, FetchBaseQueryMeta> = async (args, api, extra) => {
  const result = await rawBaseQuery(args, api, extra);
  if (result.error?.status === 401) api.dispatch(sessionExpired());
  return result;
};

/** Query parameters without the empty ones, so `?status=` never reaches the API. */
export function cleanParams(params: Record<string, string | number | boolean | undefined | null>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') out[name] = String(value);
  return out;
}

const withEtag = <T extends object>(data: T, meta: FetchBaseQueryMeta | undefined): WithEtag<T> => ({ ...data, etag: meta?.response?.headers.get('etag') ?? null });
const ifMatch = (etag: string | null | undefined): Record<string, string> => (etag ? { 'if-match': etag } : {});
const enc = encodeURIComponent;

export interface ContractListArgs {
  advertiserId?: string;
  status?: string;
  cursor?: string;
  limit?: number;
}
export interface InvoiceListArgs {
  advertiserId?: string;
  period?: string;
  status?: string;
  cursor?: string;
  limit?: number;
}
export interface VersionRef {
  id: string;
  n: number;
}

export const api = createApi({
  reducerPath: 'api',
  baseQuery,
  tagTypes: ['Contract', 'ContractList', 'Invoice', 'InvoiceList', 'BillingRun', 'Credits', 'Receivables', 'PartnerStatement'],
  endpoints: (build) => ({
    // Contracts
    listContracts: build.query<Page<ContractSummaryT>, ContractListArgs>({
      query: (args) => ({ url: 'v1/contracts', params: cleanParams({ ...args }) }),
      providesTags: ['ContractList'],
    }),
    getContract: build.query<WithEtag<Contract>, string>({
      query: (id) => `v1/contracts/${enc(id)}`,
      transformResponse: (data: Contract, meta) => withEtag(data, meta),
      providesTags: (_r, _e, id) => [{ type: 'Contract', id }],
    }),
    getVersion: build.query<WithEtag<ContractVersion>, VersionRef>({
      query: ({ id, n }) => `v1/contracts/${enc(id)}/versions/${n}`,
      transformResponse: (data: ContractVersion, meta) => withEtag(data, meta),
      providesTags: (_r, _e, { id }) => [{ type: 'Contract', id }],
    }),
    getAudit: build.query<Page<AuditEntry>, { id: string; cursor?: string }>({
      query: ({ id, cursor }) => ({ url: `v1/contracts/${enc(id)}/audit`, params: cleanParams({ cursor, limit: 200 }) }),
      providesTags: (_r, _e, { id }) => [{ type: 'Contract', id }],
    }),
    createContract: build.mutation<Contract, CreateContractInput>({
      query: (body) => ({ url: 'v1/contracts', method: 'POST', body }),
      invalidatesTags: ['ContractList'],
    }),
    updateVersion: build.mutation<ContractVersion, VersionRef & { etag: string | null; body: UpdateVersionInput }>({
      query: ({ id, n, etag, body }) => ({ url: `v1/contracts/${enc(id)}/versions/${n}`, method: 'PUT', body, headers: ifMatch(etag ?? '*') }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'Contract', id }, 'ContractList'],
    }),
    submitVersion: build.mutation<ContractVersion, VersionRef & { etag?: string | null }>({
      query: ({ id, n, etag }) => ({ url: `v1/contracts/${enc(id)}/versions/${n}/submit`, method: 'POST', body: {}, headers: ifMatch(etag) }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'Contract', id }, 'ContractList'],
    }),
    approveVersion: build.mutation<ContractVersion, VersionRef & { etag?: string | null; body: ApproveInput }>({
      query: ({ id, n, etag, body }) => ({ url: `v1/contracts/${enc(id)}/versions/${n}/approve`, method: 'POST', body, headers: ifMatch(etag) }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'Contract', id }, 'ContractList'],
    }),
    rejectVersion: build.mutation<ContractVersion, VersionRef & { etag?: string | null; body: RejectInput }>({
      query: ({ id, n, etag, body }) => ({ url: `v1/contracts/${enc(id)}/versions/${n}/reject`, method: 'POST', body, headers: ifMatch(etag) }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'Contract', id }, 'ContractList'],
    }),
    draftAmendment: build.mutation<ContractVersion, { id: string; body: AmendmentInput }>({
      query: ({ id, body }) => ({ url: `v1/contracts/${enc(id)}/amendments`, method: 'POST', body }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'Contract', id }, 'ContractList'],
    }),
    draftRenewal: build.mutation<ContractVersion, { id: string; body: RenewalInput }>({
      query: ({ id, body }) => ({ url: `v1/contracts/${enc(id)}/renewals`, method: 'POST', body }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'Contract', id }, 'ContractList'],
    }),
    draftTermination: build.mutation<ContractVersion, { id: string; body: TerminationInput }>({
      query: ({ id, body }) => ({ url: `v1/contracts/${enc(id)}/termination`, method: 'POST', body }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'Contract', id }, 'ContractList'],
    }),
    getAdvertiser: build.query<Advertiser, string>({ query: (id) => `v1/advertisers/${enc(id)}` }),
    getImpact: build.query<VersionImpact, VersionRef>({
      query: ({ id, n }) => `v1/contracts/${enc(id)}/versions/${n}/impact`,
      providesTags: (_r, _e, { id }) => [{ type: 'Contract', id }],
    }),
    getSpend: build.query<Spend, { id: string; period: string }>({
      query: ({ id, period }) => ({ url: `v1/contracts/${enc(id)}/spend`, params: { period } }),
      providesTags: (_r, _e, { id }) => [{ type: 'Contract', id }],
    }),

    // Credits (make-goods)
    listCredits: build.query<Page<Credit>, string>({
      query: (id) => ({ url: `v1/contracts/${enc(id)}/credits`, params: { limit: 200 } }),
      providesTags: (_r, _e, id) => [{ type: 'Credits', id }],
    }),
    createCredit: build.mutation<Credit, { id: string; body: CreateCreditInput }>({
      query: ({ id, body }) => ({ url: `v1/contracts/${enc(id)}/credits`, method: 'POST', body }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'Credits', id }],
    }),
    approveCredit: build.mutation<Credit, { id: string; creditId: string; body: ApproveCreditInput }>({
      query: ({ id, creditId, body }) => ({ url: `v1/contracts/${enc(id)}/credits/${enc(creditId)}/approve`, method: 'POST', body }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'Credits', id }],
    }),
    rejectCredit: build.mutation<Credit, { id: string; creditId: string; body: RejectCreditInput }>({
      query: ({ id, creditId, body }) => ({ url: `v1/contracts/${enc(id)}/credits/${enc(creditId)}/reject`, method: 'POST', body }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'Credits', id }],
    }),

    // Usage
    ingestImpressions: build.mutation<IngestResult, ImpressionBatchInput>({
      query: (body) => ({ url: 'v1/usage/impressions', method: 'POST', body }),
    }),
    ingestConversions: build.mutation<IngestResult, ConversionBatchInput>({
      query: (body) => ({ url: 'v1/usage/conversions', method: 'POST', body }),
    }),

    // Billing runs
    startBillingRun: build.mutation<StartedBillingRun, StartBillingRunInput>({
      query: (body) => ({ url: 'v1/billing-runs', method: 'POST', body }),
      invalidatesTags: ['InvoiceList'],
    }),
    getBillingRun: build.query<BillingRun, string>({
      query: (id) => `v1/billing-runs/${enc(id)}`,
      providesTags: (_r, _e, id) => [{ type: 'BillingRun', id }],
    }),
    finalizeBillingRun: build.mutation<BillingRun, string>({
      query: (id) => ({ url: `v1/billing-runs/${enc(id)}/finalize`, method: 'POST', body: {} }),
      invalidatesTags: (_r, _e, id) => [{ type: 'BillingRun', id }, 'InvoiceList', 'Invoice'],
    }),
    retryBillingRun: build.mutation<RetriedBillingRun, string>({
      query: (id) => ({ url: `v1/billing-runs/${enc(id)}/retry`, method: 'POST', body: {} }),
      invalidatesTags: (_r, _e, id) => [{ type: 'BillingRun', id }, 'InvoiceList'],
    }),

    // Invoices
    listInvoices: build.query<Page<InvoiceSummary>, InvoiceListArgs>({
      query: (args) => ({ url: 'v1/invoices', params: cleanParams({ ...args }) }),
      providesTags: ['InvoiceList'],
    }),
    getInvoice: build.query<WithEtag<Invoice>, string>({
      query: (id) => `v1/invoices/${enc(id)}`,
      // An invoice can carry thousands of explained lines: stored as sent (frozen at the top, so
      // the cache's immer neither walks nor freezes every explanation, and no deep comparison
      // with the previous copy on a refetch). Nothing in the console mutates what the API sent.
      transformResponse: (data: Invoice, meta) => Object.freeze(withEtag(data, meta)),
      structuralSharing: false,
      providesTags: (_r, _e, id) => [{ type: 'Invoice', id }],
    }),
    finalizeInvoice: build.mutation<Invoice, { id: string; etag?: string | null }>({
      query: ({ id, etag }) => ({ url: `v1/invoices/${enc(id)}/finalize`, method: 'POST', body: {}, headers: ifMatch(etag) }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'Invoice', id }, 'InvoiceList'],
    }),
    recordPayment: build.mutation<Invoice, { id: string; body: PaymentInput; idempotencyKey: string }>({
      query: ({ id, body, idempotencyKey }) => ({ url: `v1/invoices/${enc(id)}/payments`, method: 'POST', body, headers: { 'idempotency-key': idempotencyKey } }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'Invoice', id }, 'InvoiceList', 'Receivables'],
    }),
    getInvoicePdf: build.query<{ url: string }, string>({ query: (id) => `v1/invoices/${enc(id)}/pdf`, keepUnusedDataFor: 0 }),
    getReceivables: build.query<Receivables, string>({
      query: (asOf) => ({ url: 'v1/receivables', params: { asOf } }),
      providesTags: ['Receivables'],
    }),
    discardInvoice: build.mutation<Invoice, { id: string; etag?: string | null; reason?: string }>({
      query: ({ id, etag, reason }) => ({ url: `v1/invoices/${enc(id)}/discard`, method: 'POST', body: reason ? { reason } : {}, headers: ifMatch(etag) }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'Invoice', id }, 'InvoiceList'],
    }),
    reissueInvoice: build.mutation<Invoice, string>({
      query: (id) => ({ url: `v1/invoices/${enc(id)}/reissue`, method: 'POST', body: {} }),
      invalidatesTags: (_r, _e, id) => [{ type: 'Invoice', id }, 'InvoiceList'],
    }),
    voidInvoice: build.mutation<VoidedInvoice, { id: string; etag?: string | null; body: VoidInput }>({
      query: ({ id, etag, body }) => ({ url: `v1/invoices/${enc(id)}/void`, method: 'POST', body, headers: ifMatch(etag) }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'Invoice', id }, 'InvoiceList'],
    }),

    // Finance
    getExports: build.query<ExportList, string>({ query: (period) => ({ url: 'v1/exports', params: { period } }) }),
    getPartnerStatement: build.query<PartnerStatement, { id: string; period: string }>({
      query: ({ id, period }) => ({ url: `v1/partners/${enc(id)}/statements`, params: { period } }),
      providesTags: (_r, _e, { id, period }) => [{ type: 'PartnerStatement', id: `${id}/${period}` }],
    }),
    issuePartnerStatement: build.mutation<PartnerStatement, { id: string; period: string }>({
      query: ({ id, period }) => ({ url: `v1/partners/${enc(id)}/statements/${enc(period)}/issue`, method: 'POST', body: {} }),
      invalidatesTags: (_r, _e, { id, period }) => [{ type: 'PartnerStatement', id: `${id}/${period}` }],
    }),
    recordPartnerPayment: build.mutation<PartnerStatement, { id: string; period: string; body: PartnerPaymentInput; idempotencyKey: string }>({
      query: ({ id, period, body, idempotencyKey }) => ({
        url: `v1/partners/${enc(id)}/statements/${enc(period)}/payments`,
        method: 'POST',
        body,
        headers: { 'idempotency-key': idempotencyKey },
      }),
      invalidatesTags: (_r, _e, { id, period }) => [{ type: 'PartnerStatement', id: `${id}/${period}` }],
    }),
  }),
});

export const {
  useListContractsQuery,
  useGetContractQuery,
  useGetVersionQuery,
  useGetAuditQuery,
  useCreateContractMutation,
  useUpdateVersionMutation,
  useSubmitVersionMutation,
  useApproveVersionMutation,
  useRejectVersionMutation,
  useDraftAmendmentMutation,
  useDraftRenewalMutation,
  useDraftTerminationMutation,
  useGetAdvertiserQuery,
  useGetImpactQuery,
  useGetSpendQuery,
  useListCreditsQuery,
  useCreateCreditMutation,
  useApproveCreditMutation,
  useRejectCreditMutation,
  useRetryBillingRunMutation,
  useFinalizeBillingRunMutation,
  useDiscardInvoiceMutation,
  useRecordPaymentMutation,
  useGetReceivablesQuery,
  useLazyGetInvoicePdfQuery,
  useReissueInvoiceMutation,
  useIngestImpressionsMutation,
  useIngestConversionsMutation,
  useStartBillingRunMutation,
  useGetBillingRunQuery,
  useListInvoicesQuery,
  useGetInvoiceQuery,
  useFinalizeInvoiceMutation,
  useVoidInvoiceMutation,
  useGetExportsQuery,
  useGetPartnerStatementQuery,
  useIssuePartnerStatementMutation,
  useRecordPartnerPaymentMutation,
} = api;
