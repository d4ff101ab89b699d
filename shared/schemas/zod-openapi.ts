/**
 * zod, extended once with `.openapi()`. zod 4 attaches methods when a schema is built, so the
 * extension must run before any API schema is created: API schema modules import this module
 * (for its effect) before they build anything.
 *
 * Every module takes zod as `import * as z from 'zod'`. Bundled that way, esbuild keeps only
 * the parts of zod a Lambda uses; `import { z } from 'zod'`, or passing the namespace object
 * anywhere as a value, keeps all of zod, its ~40 message locales included (about 360 KB of
 * each minified bundle). So the extension gets the one class it patches, not the namespace.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import * as z from 'zod';

extendZodWithOpenApi({ ZodType: z.ZodType } as unknown as Parameters<typeof extendZodWithOpenApi>[0]);
