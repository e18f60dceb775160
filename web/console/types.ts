/**
 * The staff API's resources, typed from the same zod schemas that validate the API and generate
 * docs/openapi.json (type-only imports: nothing of zod reaches the bundle).
 */
import type * as z from 'zod';
import type {
  caseChangeResponse,
  caseDetailResponse,
  caseListResponse,
  caseResource,
  impactResponse,
  linkCasesResponse,
  metricsGroup,
  metricsResponse,
  problemListResponse,
  problemResource,
  problemResponse,
  resolveProblemResponse,
  teamsResponse,
  timelineEventResource,
} from '../../functions/cases/schemas.ts';

export type CaseResource = z.output<typeof caseResource>;
export type CaseStatus = CaseResource['status'];
export type TimelineEvent = z.output<typeof timelineEventResource>;
export type CaseDetail = z.output<typeof caseDetailResponse>;
export type CaseList = z.output<typeof caseListResponse>;
export type CaseChange = z.output<typeof caseChangeResponse>;
export type ProblemResource = z.output<typeof problemResource>;
export type ProblemResponse = z.output<typeof problemResponse>;
export type ProblemList = z.output<typeof problemListResponse>;
export type ProblemListItem = ProblemList['items'][number];
export type Impact = z.output<typeof impactResponse>;
export type ImpactVerdict = Impact['verdict'];
export type LinkCasesResponse = z.output<typeof linkCasesResponse>;
export type ResolveProblemResponse = z.output<typeof resolveProblemResponse>;
export type Metrics = z.output<typeof metricsResponse>;
export type TeamDirectory = z.output<typeof teamsResponse>['items'];
export type MetricsGroup = z.output<typeof metricsGroup>;

/** `GET /__local/staff` (local stack only). */
export interface LocalStaffMember {
  memberId: string;
  name: string;
  teamIds: string[];
  admin: boolean;
}
