/**
 * zod, extended once with `.openapi()`. zod 4 attaches methods when a schema is built, so the
 * extension must run before any API schema is created: API schema modules import `z` from
 * here, never from 'zod' directly.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export { z };
