import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs; correlation ids (feedbackId, caseId) go in as keys. */
export const logger = new Logger({ serviceName: 'closeloop' });
