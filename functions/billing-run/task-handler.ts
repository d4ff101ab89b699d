/**
 * The shape every billing-run task Lambda shares: validate the state's payload (a malformed
 * payload is a definition bug, so it fails the step instead of guessing), run the step, log.
 * Thrown errors keep their `name`: Step Functions matches Retry/Catch on it.
 */
import type { z } from 'zod';
import { logger } from '../http/logger';

export class InvalidTaskInputError extends Error {
  override readonly name = 'InvalidTaskInputError';
}

export function taskHandler<S extends z.ZodType, R>(step: string, schema: S, run: (input: z.output<S>) => Promise<R>) {
  return async (event: unknown): Promise<R> => {
    const parsed = schema.safeParse(event);
    if (!parsed.success) {
      throw new InvalidTaskInputError(`${step}: invalid input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    const started = Date.now();
    try {
      const result = await run(parsed.data);
      logger.info(`${step} done`, { step, ms: Date.now() - started });
      return result;
    } catch (error) {
      logger.warn(`${step} failed`, { step, error: error as Error });
      throw error;
    }
  };
}
