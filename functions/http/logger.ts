/** The HTTP kit's logger: the container's one logger (functions/runtime/observability.ts); each request appends its ids to it. */
export { logger } from '../runtime/observability';
