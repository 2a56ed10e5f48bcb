import { githubLogin } from '../parse/identity.js';
import type { Trailer } from '../parse/trailers.js';
import type { AgentRules, CommitClass, CommitDetail, Identity } from '../schema.js';

/** Which part of a commit decided its class, so an auditor can weigh it: trailers and messages are easy to strip or forge. */
export type Signal = CommitDetail['rule'];

/** `tool`: the agent (`claude-code`, `copilot`, a GitHub App login, `extra`) or maintenance bot that matched; null for humans. */
export type Classification = Pick<CommitDetail, 'class' | 'rule' | 'tool'>;

export interface ClassifiableCommit {
  author: Identity;
  committer: Identity;
  trailers: readonly Trailer[];
  body: string;
}

interface IdentityMatch {
  /** A named agent, matched wherever the identity appears. */
  agent: string | null;
  /** A GitHub App login (`devin-ai-integration[bot]`) that is not a maintenance bot. */
  app: string | null;
  maintenanceBot: string | null;
}

const COPILOT_EMAIL = '198982749+copilot@users.noreply.github.com';
const CURSOR_EMAIL = 'cursoragent@cursor.com';
const ANTHROPIC_EMAIL = 'noreply@anthropic.com';
const CLAUDE_CODE_LINE = /Generated with \[?Claude Code\]?/;
/** What a message must contain for the message rule to look at it; the log parser decodes no other bodies. */
export const MESSAGE_MARKERS = ['Claude Code'];

function namedAgent(name: string, email: string): string | null {
  if (email === ANTHROPIC_EMAIL) return 'claude-code';
  if (email === COPILOT_EMAIL || name === 'copilot') return 'copilot';
  if (email === CURSOR_EMAIL || name === 'cursor agent') return 'cursor';
  if (name.endsWith(' (aider)') || name.startsWith('aider (')) return 'aider';
  return null;
}

/** Classifies commits and reviewer identities by the built-in agent rules plus the configured ones. */
export class Classifier {
  private readonly extraEmails: Set<string>;
  private readonly extraNames: Set<string>;
  private readonly extraTrailers: { key: string; value: string | null }[];
  private readonly bots: Set<string>;
  // Authors and reviewers repeat across thousands of commits, as one object each (see Identities); matching each once keeps the log pass cheap.
  private readonly seen = new Map<Identity, IdentityMatch>();

  constructor(agents: AgentRules, maintenanceBots: readonly string[]) {
    this.extraEmails = new Set(agents.extraEmails.map((e) => e.toLowerCase()));
    this.extraNames = new Set(agents.extraNames.map((n) => n.toLowerCase()));
    this.extraTrailers = agents.extraTrailers.map((t) => {
      const colon = t.indexOf(':');
      return colon < 0
        ? { key: t.trim().toLowerCase(), value: null }
        : {
            key: t.slice(0, colon).trim().toLowerCase(),
            value: t
              .slice(colon + 1)
              .trim()
              .toLowerCase(),
          };
    });
    this.bots = new Set(maintenanceBots.map((b) => b.toLowerCase()));
  }

  commit(c: ClassifiableCommit): Classification {
    const author = this.match(c.author);
    if (author.agent) return { class: 'agent', rule: 'author', tool: author.agent };
    if (author.maintenanceBot) return { class: 'bot', rule: 'author', tool: author.maintenanceBot };
    if (author.app) return { class: 'agent', rule: 'author', tool: author.app };
    // Merge tooling commits as GitHub Apps, so only named agents count on the committer side.
    const committer = c.committer.email === c.author.email && c.committer.name === c.author.name ? author : this.match(c.committer);
    if (committer.agent) return { class: 'agent', rule: 'committer', tool: committer.agent };
    const fromTrailer = this.trailerAgent(c.trailers);
    if (fromTrailer) return { class: 'agent', rule: 'trailer', tool: fromTrailer };
    if (CLAUDE_CODE_LINE.test(c.body)) return { class: 'agent', rule: 'message', tool: 'claude-code' };
    return { class: 'human', rule: 'none', tool: null };
  }

  /** The class of a reviewer or merger: an agent or a bot cannot review. */
  identity(i: Identity): CommitClass {
    const m = this.match(i);
    if (m.agent || m.app) return 'agent';
    return m.maintenanceBot ? 'bot' : 'human';
  }

  private trailerAgent(trailers: readonly Trailer[]): string | null {
    for (const t of trailers) {
      if (t.key === 'co-authored-by' && t.identity) {
        const m = this.match(t.identity);
        if (m.agent) return m.agent;
        if (m.app) return m.app;
      }
      for (const extra of this.extraTrailers) {
        if (t.key === extra.key && (extra.value === null || t.value.toLowerCase() === extra.value)) return 'extra';
      }
    }
    return null;
  }

  private match(i: Identity): IdentityMatch {
    let m = this.seen.get(i);
    if (!m) {
      m = this.compute(i.name.toLowerCase(), (i.email ?? '').toLowerCase());
      this.seen.set(i, m);
    }
    return m;
  }

  private compute(name: string, email: string): IdentityMatch {
    const login = githubLogin(email) ?? name;
    const maintenanceBot = this.bots.has(login) ? login : this.bots.has(name) ? name : null;
    let agent = namedAgent(name, email);
    if (!agent && (this.extraEmails.has(email) || this.extraNames.has(name))) agent = 'extra';
    return { agent, app: !agent && !maintenanceBot && login.endsWith('[bot]') ? login : null, maintenanceBot };
  }
}
