import Type, { type Static, type TSchema, type TSchemaOptions, type TStringOptions, type TUnion } from 'typebox';

/** JSON Schema `oneOf`, which TypeBox has no builder for; its type is the union of the alternatives. */
function OneOf<T extends TSchema[]>(alternatives: [...T], options: TSchemaOptions = {}) {
  return Type.Unsafe<Static<TUnion<T>>>({ ...options, oneOf: alternatives });
}

const Nullable = <T extends TSchema>(schema: T, options: TSchemaOptions = {}) => Type.Union([schema, Type.Null()], options);

// ---------------------------------------------------------------- options

const DEFAULT_MAINTENANCE_BOTS = ['dependabot[bot]', 'renovate[bot]', 'github-actions[bot]'];

const Names = (defaults: string[], options: TSchemaOptions = {}) => Type.Array(Type.String({ minLength: 1 }), { ...options, default: defaults });
// A leading dash would let a branch name be read as a git option.
const Branch = Type.String({ minLength: 1, pattern: '^[^-]' });
const GitHubRepository = Type.String({
  pattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$',
  description: '`owner/name` on GitHub, when the enrichment cannot read it from the URL or the `origin` remote.',
});
const DateOption = Type.Union([Type.String({ format: 'date-time' }), Type.String({ format: 'date' })]);

const LocalRepository = Type.Object(
  { path: Type.String({ minLength: 1 }), branch: Type.Optional(Branch), github: Type.Optional(GitHubRepository) },
  { additionalProperties: false },
);

const RemoteRepository = Type.Object(
  {
    url: Type.String({ minLength: 1 }),
    branch: Type.Optional(Branch),
    cache: Type.Optional(
      Type.String({ minLength: 1, description: 'Folder for the bare partial clone; by default under `.commit-trail-cache/` beside the config.' }),
    ),
    github: Type.Optional(GitHubRepository),
  },
  { additionalProperties: false },
);

const RepositoryOption = OneOf([LocalRepository, RemoteRepository]);
export type RepositoryOption = Static<typeof RepositoryOption>;

const WindowOption = Type.Object(
  { days: Type.Optional(Type.Number({ exclusiveMinimum: 0 })), since: Type.Optional(DateOption), until: Type.Optional(DateOption) },
  { additionalProperties: false, not: { required: ['days', 'since'] } },
);
export type WindowOption = Static<typeof WindowOption>;

const AgentRules = Type.Object(
  {
    extraEmails: Names([]),
    extraNames: Names([]),
    extraTrailers: Names([], { description: 'A trailer key (`Assisted-by`), or a key and value (`Generated-by: acme-agent`).' }),
  },
  { additionalProperties: false, default: {} },
);
export type AgentRules = Static<typeof AgentRules>;

export const optionsSchema = Type.Object(
  {
    repos: Type.Array(RepositoryOption, { minItems: 1 }),
    window: Type.Optional(WindowOption),
    agents: AgentRules,
    maintenanceBots: Names(DEFAULT_MAINTENANCE_BOTS),
    requireReview: Type.Object(
      {
        agent: Type.Boolean({ default: true }),
        human: Type.Boolean({ default: false }),
        bot: Type.Boolean({ default: false }),
      },
      { additionalProperties: false, default: {} },
    ),
    implicitReview: Type.Boolean({
      default: true,
      description: "Whether a merger (or a committer applying someone else's commit) other than the author counts as a review.",
    }),
    requireSigned: Type.Boolean({ default: false }),
    allowedSigners: Type.Optional(Type.String({ minLength: 1 })),
    github: Type.Optional(
      Type.Object(
        {
          token: Type.String({ minLength: 1 }),
          apiUrl: Type.String({ format: 'uri', pattern: '^https?://', default: 'https://api.github.com' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CommitTrailOptions = Static<typeof optionsSchema>;

// ---------------------------------------------------------------- payload

const CommitId = (options: TStringOptions = {}) => Type.String({ ...options, pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$' });
const Count = Type.Integer({ minimum: 0 });

const CommitClass = Type.Enum(['agent', 'bot', 'human']);
export type CommitClass = Static<typeof CommitClass>;

export const Position = Type.Object(
  { commit: CommitId(), time: Type.String({ format: 'date-time', description: 'Committer time of the commit.' }) },
  { additionalProperties: false, description: "Where a repository's range ended." },
);
export type Position = Static<typeof Position>;

// Not TypeBox's Record: its key pattern `^.*$` would leave keys with a line break unchecked.
const Positions = Type.Unsafe<Record<string, Position>>({
  type: 'object',
  description:
    'The end of the latest range of every repository of this stream, by subject id, so that the newest record alone lets the next run continue each one.',
  additionalProperties: Position,
});

const Repository = Type.Object(
  {
    location: Type.String({ description: 'The path as configured, or the URL without credentials.' }),
    branch: Nullable(Type.String(), { description: 'Null only in error records, when the branch was never resolved.' }),
  },
  { additionalProperties: false },
);

const Identity = Type.Object(
  { name: Type.String(), email: Nullable(Type.String()) },
  { additionalProperties: false, description: 'A person or program as git names it: `Name <email>`; trailers may leave out the address.' },
);
export type Identity = Static<typeof Identity>;

const Reviewer = Type.Object(
  {
    name: Type.String({ description: 'A GitHub login when via is github.' }),
    email: Nullable(Type.String()),
    via: Type.Enum(['reviewed-by', 'approved-by', 'gerrit', 'implicit', 'github'], {
      description:
        'A trailer of the commit or of the merge that landed it (gerrit: Reviewed-by with Reviewed-on), the merger or committer other than the author (implicit), or a pull request approval (github).',
    }),
    counted: Type.Boolean(),
    reason: Type.Optional(Type.Enum(['self', 'agent', 'bot'], { description: 'Why the reviewer does not count.' })),
  },
  { additionalProperties: false },
);
export type Reviewer = Static<typeof Reviewer>;

const SignatureStatus = Type.Enum(['good', 'bad', 'untrusted', 'expired', 'expired-key', 'revoked', 'unverifiable', 'none']);
export type SignatureStatus = Static<typeof SignatureStatus>;

/** What the evidence says about one commit: an entry of `data.commits`, or a line of the `commits.jsonl` attachment. */
const CommitDetail = Type.Object(
  {
    id: CommitId(),
    class: CommitClass,
    rule: Type.Enum(['author', 'committer', 'trailer', 'message', 'none'], { description: 'Which part of the commit decided its class.' }),
    tool: Nullable(Type.String(), { description: 'claude-code, copilot, cursor, aider, a GitHub App login, extra, or the maintenance bot.' }),
    merge: Type.Boolean(),
    author: Identity,
    committer: Identity,
    time: Type.String({ format: 'date-time', description: 'Committer time.' }),
    landedBy: CommitId({ description: 'The first-parent commit that brought it onto the branch (itself, or a merge).' }),
    reviewRequired: Type.Boolean(),
    review: Type.Enum(['explicit', 'implicit', 'none']),
    reviewers: Type.Array(Reviewer),
    signature: Nullable(SignatureStatus, { description: "git's %G? as a word; null when signing is not required." }),
  },
  { additionalProperties: false },
);
export type CommitDetail = Static<typeof CommitDetail>;

const RangePayload = Type.Object(
  {
    repository: Repository,
    range: Type.Object(
      {
        from: Nullable(Position, { description: 'Exclusive start: where the previous range ended; null from the first commit.' }),
        to: Nullable(Position, { description: 'Inclusive end: the branch at the end of the window; null when it had no commit yet.' }),
        basis: Type.Enum(['previous', 'since', 'days', 'history'], { description: 'How the start was chosen.' }),
      },
      { additionalProperties: false },
    ),
    counts: Type.Object({ agent: Count, bot: Count, human: Count }, { additionalProperties: false }),
    merges: Count,
    agentSignals: Type.Object(
      { author: Count, committer: Count, trailer: Count, message: Count },
      { additionalProperties: false, description: 'Agent commits by the signal that classified them.' },
    ),
    review: Type.Object(
      { required: Count, explicit: Count, implicit: Count, missing: Count, implicitAccepted: Type.Boolean() },
      { additionalProperties: false },
    ),
    signing: Type.Object({ required: Type.Boolean(), checked: Count, unsigned: Count }, { additionalProperties: false }),
    github: Type.Optional(Type.Object({ pullRequests: Count, unavailable: Type.Boolean() }, { additionalProperties: false })),
    commits: Type.Optional(
      Type.Array(CommitDetail, {
        maxItems: 50,
        description: 'Per-commit detail when the range has at most 50 commits; otherwise it is the commits.jsonl attachment, one such object a line.',
      }),
    ),
    positions: Positions,
  },
  { additionalProperties: false },
);
export type RangePayload = Static<typeof RangePayload>;

const ErrorPayload = Type.Object(
  {
    repository: Repository,
    error: Type.Object({ message: Type.String() }, { additionalProperties: false }),
    positions: Positions,
  },
  { additionalProperties: false, description: 'A repository that could not be read (record status error).' },
);
export type ErrorPayload = Static<typeof ErrorPayload>;

export const payloadSchema = OneOf([RangePayload, ErrorPayload], {
  title: 'commit-trail payload',
  // For auditors' tools (evidence-schema/README.md, "Items and ranges"): each commit is an item, inline or in
  // commits.jsonl, and the records of a repository chain their commit ranges.
  'x-evidence-items': { path: '/commits', id: '/id', attachment: 'commits.jsonl' },
  'x-evidence-range': { from: '/range/from/commit', to: '/range/to/commit' },
  description:
    'One repository branch and one range of commits: the commits reachable from range.to and not from range.from. Consecutive records of a repository chain: each range.from is the previous range.to.',
});
export type CommitTrailPayload = Static<typeof payloadSchema>;
