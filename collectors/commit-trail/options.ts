import type { JsonSchema } from '../../src/collector/contract.js';

export type CommitClass = 'agent' | 'bot' | 'human';

export interface LocalRepository {
  path: string;
  branch?: string;
  /** `owner/name` on GitHub, when the enrichment cannot read it from the `origin` remote. */
  github?: string;
}

export interface RemoteRepository {
  url: string;
  branch?: string;
  /** Folder for the bare partial clone; by default under `.commit-trail-cache/` beside the config. */
  cache?: string;
  github?: string;
}

export type RepositoryOption = LocalRepository | RemoteRepository;

export interface WindowOption {
  days?: number;
  since?: string;
  until?: string;
}

export interface AgentRules {
  extraEmails: string[];
  extraNames: string[];
  /** A trailer key (`Assisted-by`), or a key and value (`Generated-by: acme-agent`). */
  extraTrailers: string[];
}

export interface CommitTrailOptions {
  repos: RepositoryOption[];
  window?: WindowOption;
  agents: AgentRules;
  maintenanceBots: string[];
  requireReview: Record<CommitClass, boolean>;
  /** Whether a merger (or a committer applying someone else's commit) other than the author counts as a review. */
  implicitReview: boolean;
  requireSigned: boolean;
  allowedSigners?: string;
  github?: { token: string; apiUrl: string };
}

const DEFAULT_MAINTENANCE_BOTS = ['dependabot[bot]', 'renovate[bot]', 'github-actions[bot]'];

const names = { type: 'array', items: { type: 'string', minLength: 1 }, default: [] };
// A leading dash would let a branch name be read as a git option.
const branch = { type: 'string', minLength: 1, pattern: '^[^-]' };
const githubRepository = { type: 'string', pattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$' };
const date = { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'string', format: 'date' }] };

export const optionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['repos'],
  properties: {
    repos: {
      type: 'array',
      minItems: 1,
      items: {
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['path'],
            properties: { path: { type: 'string', minLength: 1 }, branch, github: githubRepository },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['url'],
            properties: { url: { type: 'string', minLength: 1 }, branch, cache: { type: 'string', minLength: 1 }, github: githubRepository },
          },
        ],
      },
    },
    window: {
      type: 'object',
      additionalProperties: false,
      properties: { days: { type: 'number', exclusiveMinimum: 0 }, since: date, until: date },
      not: { required: ['days', 'since'] },
    },
    agents: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { extraEmails: names, extraNames: names, extraTrailers: names },
    },
    maintenanceBots: { ...names, default: DEFAULT_MAINTENANCE_BOTS },
    requireReview: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        agent: { type: 'boolean', default: true },
        human: { type: 'boolean', default: false },
        bot: { type: 'boolean', default: false },
      },
    },
    implicitReview: { type: 'boolean', default: true },
    requireSigned: { type: 'boolean', default: false },
    allowedSigners: { type: 'string', minLength: 1 },
    github: {
      type: 'object',
      additionalProperties: false,
      required: ['token'],
      properties: {
        token: { type: 'string', minLength: 1 },
        apiUrl: { type: 'string', format: 'uri', pattern: '^https?://', default: 'https://api.github.com' },
      },
    },
  },
};
