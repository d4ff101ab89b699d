/**
 * An API operation's schemas: what the HTTP kit validates (body, query, path) and what the
 * OpenAPI document shows (the same objects, plus the success responses). One declaration per
 * route, in the group's module next to this file, so validation and documentation cannot drift.
 */
import type { z } from 'zod';

export interface Operation<
  B extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  P extends z.ZodType | undefined = z.ZodType | undefined,
> {
  body?: B;
  query?: Q;
  params?: P;
  /** Success statuses and their body schemas (null: no body). */
  responses: Readonly<Record<number, z.ZodType | null>>;
  /** Error statuses this route can answer besides 400/401/403/500 (documented in OpenAPI). */
  errors?: readonly number[];
  /** Documents the If-Match header: 'required' on PUT, 'optional' on action routes. */
  ifMatch?: 'required' | 'optional';
  description?: string;
}

export const operation = <
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
>(op: Operation<B, Q, P>): Operation<B, Q, P> => op;

/** Operations of one group, keyed by API Gateway route key (`METHOD /path/{param}`). */
export type Operations = Readonly<Record<string, Operation>>;
