import Type, { type Static, type TSchema, type TSchemaOptions, type TStringOptions, type TUnion } from 'typebox';
import { type CatalogEntry, entrySchema } from './catalog/catalog.js';

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
    extraEmails: Names([], { description: 'Kept for older configurations: added to the catalog as markers of entry `extra`.' }),
    extraNames: Names([], { description: 'Kept for older configurations: added to the catalog as markers of entry `extra`.' }),
    extraTrailers: Names([], {
      description:
        'Kept for older configurations: a trailer key (`X-Agent`), or a key and value (`Generated-by: acme-agent`), added as markers of entry `extra`.',
    }),
    catalog: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'An extra catalog file (JSON, catalog/agents.schema.json) merged with the built-in one; relative to the config.',
      }),
    ),
    entries: Type.Optional(
      Type.Array(Type.Unsafe<CatalogEntry>(entrySchema()), { description: 'Catalog entries given inline; an id of the built-in catalog replaces that entry.' }),
    ),
    disable: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Ids of catalog entries not to apply.' })),
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
    review: Type.Object(
      {
        requireSigned: Type.Boolean({
          default: false,
          description:
            "Whether a review counts only when cryptographically attributable to the reviewer: a merge or review trailer in a commit signed by the reviewer's key (checked against `allowedSigners`), or a forge approval by an authenticated human account.",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    allowedSigners: Type.Optional(Type.String({ minLength: 1, 'x-evidence-input': 'file' })),
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

const CommitClass = Type.Enum(['agent', 'assisted', 'bot', 'human'], {
  description: 'agent: an agent authored, committed or co-authored it; assisted: a human declared AI assistance; both are agent-involved.',
});
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

const BranchProtection = Type.Object(
  {
    protected: Type.Boolean({ description: 'False when the forge says the branch has no protection rules.' }),
    requiredApprovals: Nullable(Count, { description: 'Approving reviews a pull request needs; null when reviews are not required.' }),
    dismissStaleReviews: Type.Boolean(),
    requireCodeOwnerReviews: Type.Boolean(),
    requireLastPushApproval: Type.Boolean(),
    adminsBound: Type.Boolean({ description: 'Whether the rules bind administrators too.' }),
  },
  { additionalProperties: false, description: "The branch's classic protection rules as the forge gave them at collection." },
);

const Forge = Type.Object(
  {
    system: Type.Literal('github'),
    apiUrl: Type.String(),
    repository: Type.String({ description: '`owner/name` the collector asked about.' }),
    id: Nullable(Type.Integer(), { description: "The forge's own repository id, which survives renames; null when it could not be read." }),
    protection: Nullable(BranchProtection, { description: 'Null when the forge would not say (a `branch-protection-unknown` finding says why).' }),
  },
  { additionalProperties: false },
);

const Repository = Type.Object(
  {
    location: Type.String({ description: 'The path as configured, or the URL without credentials.' }),
    branch: Nullable(Type.String(), { description: 'Null only in error records, when the branch was never resolved.' }),
    url: Type.Optional(
      Nullable(Type.String(), { description: 'The remote URL without credentials: the configured one, else `origin`; null when there is none.' }),
    ),
    tip: Type.Optional(Nullable(Position, { description: 'The commit the branch pointed at when it was read, whatever its commit time.' })),
    forge: Type.Optional(Nullable(Forge, { description: 'The repository on the forge, when the GitHub enrichment is configured.' })),
  },
  { additionalProperties: false },
);
export type ForgeRepository = Static<typeof Forge>;
export type BranchProtection = Static<typeof BranchProtection>;

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
    reason: Type.Optional(
      Type.Enum(['self', 'agent', 'bot', 'claim', 'stale', 'after-merge', 'unsigned'], {
        description:
          "Why the reviewer does not count: one of the change's authors (self), an agent or bot, a trailer typed by the change's author or an agent (claim), an approval of an older head than the one merged (stale) or given after the merge (after-merge), or not attributable to the reviewer under review.requireSigned (unsigned).",
      }),
    ),
    form: Type.Optional(
      Type.Enum(['signed-commit', 'forge-account', 'unsigned'], {
        description:
          "With review.requireSigned: a commit signed by the reviewer's key (a merge they made, or the commit holding their trailer), an approval by an authenticated human forge account, or neither.",
      }),
    ),
    pullRequest: Type.Optional(Type.Integer({ description: 'The pull request the forge approval belongs to.' })),
    approvedAt: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
    approvedCommit: Type.Optional(Nullable(CommitId({ description: 'The head the approval was given on.' }))),
    mergedHead: Type.Optional(Nullable(CommitId({ description: 'The head the pull request was merged at.' }))),
    mergedAt: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
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
    rule: Type.Enum(['author', 'committer', 'notes', 'trailer', 'message', 'branch', 'none'], {
      description:
        'Which part of the commit decided its class: notes is a git-ai note or Agent Trace record; branch the source branch its landing merge names.',
    }),
    tool: Nullable(Type.String(), { description: 'The catalog entry id, a GitHub App login, a tool named in Assisted-by, or the maintenance bot.' }),
    family: Nullable(Type.String(), {
      description: 'The agent family of the catalog entry (other: a tool the catalog does not know); null for humans and bots.',
    }),
    signal: Nullable(
      Type.Object(
        {
          marker: Type.String({ description: 'The catalog marker that matched.' }),
          confidence: Type.Enum(['high', 'medium', 'low']),
          basis: Type.Enum(['identity', 'attribution', 'declared'], {
            description:
              'identity: the author or committer header; attribution: a record the tool wrote outside the message; declared: text anyone can type (trailers, messages, branch names).',
          }),
        },
        { additionalProperties: false },
      ),
      { description: 'What decided an agent or assisted class; null otherwise.' },
    ),
    agentInvolved: Type.Boolean({ description: 'class agent or assisted: the change needs review by a human other than its authors.' }),
    attribution: Type.Optional(
      Type.Array(Type.Enum(['git-ai', 'agent-trace']), { description: 'Attribution records that cover the commit, whatever decided its class.' }),
    ),
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
    counts: Type.Object({ agent: Count, assisted: Count, bot: Count, human: Count }, { additionalProperties: false }),
    merges: Count,
    agentSignals: Type.Object(
      { author: Count, committer: Count, notes: Count, trailer: Count, message: Count, branch: Count },
      { additionalProperties: false, description: 'Agent and assisted commits by the signal that classified them.' },
    ),
    families: Type.Unsafe<Record<string, { agent: number; assisted: number }>>({
      type: 'object',
      description: 'Agent and assisted commits per agent family.',
      additionalProperties: { type: 'object', required: ['agent', 'assisted'], additionalProperties: false, properties: { agent: Count, assisted: Count } },
    }),
    catalog: Type.Object(
      {
        version: Type.String(),
        sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the RFC 8785 canonical JSON of the effective catalog.' }),
        sources: Type.Array(Type.String()),
        added: Type.Array(Type.String()),
        replaced: Type.Array(Type.String()),
        disabled: Type.Array(Type.String()),
      },
      { additionalProperties: false, description: 'The agent catalog the commits were classified by.' },
    ),
    attribution: Type.Object(
      {
        gitAi: Type.Object({ ref: Type.String(), commits: Count }, { additionalProperties: false }),
        agentTrace: Type.Object({ ref: Type.String(), commits: Count }, { additionalProperties: false }),
      },
      { additionalProperties: false, description: 'How many commits of the range each attribution format covered (each commit says which in its detail).' },
    ),
    review: Type.Object(
      {
        required: Count,
        explicit: Count,
        implicit: Count,
        missing: Count,
        implicitAccepted: Type.Boolean(),
        requirements: Type.Object(
          {
            classes: Type.Object({ agent: Type.Boolean(), human: Type.Boolean(), bot: Type.Boolean() }, { additionalProperties: false }),
            implicit: Type.Boolean({ description: 'A merger or applying committer other than the author counts.' }),
            signed: Type.Boolean({ description: 'review.requireSigned.' }),
            forge: Nullable(Type.Literal('github'), { description: 'The forge asked about every agent-involved change.' }),
            selfAssertedTrailers: Type.Literal('claim', {
              description: 'Review trailers in an agent-involved change itself, or in a merge made by its author or an agent, never count.',
            }),
          },
          { additionalProperties: false, description: 'The review requirements this record was judged by.' },
        ),
      },
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
