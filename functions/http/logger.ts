/** One Powertools logger per Lambda container; each request appends its ids to it. */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'ctv-contracts-billing' });
