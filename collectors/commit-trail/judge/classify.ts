import type { Catalog, CatalogEntry, Confidence, Marker } from '../catalog/catalog.js';
import { compilePattern } from '../catalog/catalog.js';
import type { AttributionNote } from '../parse/attribution.js';
import { githubLogin } from '../parse/identity.js';
import type { Trailer } from '../parse/trailers.js';
import type { CommitClass, CommitDetail, Identity } from '../schema.js';

/** Which part of a commit decided its class, so an auditor can weigh it: trailers, messages and branch names are easy to strip or forge. */
export type Signal = CommitDetail['rule'];

export type Classification = Pick<CommitDetail, 'class' | 'rule' | 'tool' | 'family' | 'signal'>;

export interface ClassifiableCommit {
  author: Identity;
  committer: Identity;
  trailers: readonly Trailer[];
  /** The whole message when it holds one of `messageMarkers`, else ''. */
  body: string;
}

/** The commit's context outside its own object: the branch its landing merge names, and any attribution records. */
export interface CommitContext {
  branch?: string | null;
  attribution?: readonly AttributionNote[] | undefined;
}

/** A marker that matched, before it is turned into a classification. */
interface Hit {
  cls: 'agent' | 'assisted';
  tool: string;
  family: string;
  marker: string;
  confidence: Confidence;
}

interface IdentityMatch {
  /** A catalog entry, matched wherever the identity appears. */
  named: Hit | null;
  /** Any other GitHub App login (`acme-helper[bot]`) that is not a maintenance bot. */
  app: Hit | null;
  maintenanceBot: string | null;
}

interface TrailerRule {
  value: RegExp | null;
  hit: Hit;
}

const HUMAN: Classification = { class: 'human', rule: 'none', tool: null, family: null, signal: null };
const UNKNOWN_FAMILY = 'other';

function hitOf(entry: CatalogEntry, m: Marker, label: string): Hit {
  return { cls: m.class ?? 'agent', tool: entry.id, family: entry.family, marker: label, confidence: m.confidence };
}

/**
 * Classifies commits and reviewer identities by an agent catalog. The catalog
 * is compiled once into maps; each identity is matched once per run, because
 * the same few people author thousands of commits as one object each (see
 * Identities), so a larger catalog costs per person, not per commit.
 */
export class Classifier {
  /** What a message must contain for the message markers to look at it; the log parser decodes no other message. */
  readonly messageMarkers: string[];
  private readonly emails = new Map<string, Hit>();
  private readonly names = new Map<string, Hit>();
  private readonly apps = new Map<string, Hit>();
  private readonly emailPatterns: { re: RegExp; hit: Hit }[] = [];
  private readonly namePatterns: { re: RegExp; hit: Hit }[] = [];
  /** `domain` of a vendor's no-reply address, so `no-reply@` and `noreply@` at it are the vendor's agent too. */
  private readonly noreplyDomains = new Map<string, Hit>();
  private readonly noreplyLocals: Set<string>;
  private readonly trailers = new Map<string, TrailerRule[]>();
  private readonly messages: { text: string; hit: Hit }[] = [];
  private readonly prefixes: { text: string; hit: Hit }[] = [];
  private readonly branches: { prefix: string; hit: Hit }[] = [];
  private readonly toolNames = new Map<string, CatalogEntry>();
  private readonly assisted = new Map<string, { cls: 'agent' | 'assisted'; confidence: Confidence }>();
  private readonly appConfidence: Confidence;
  private readonly attributionConfidence = new Map<string, Confidence>();
  private readonly bots: Set<string>;
  private readonly seen = new Map<Identity, IdentityMatch>();
  /** One classification object per marker and signal, so the detail serialises each signal once (see DetailLines). */
  private readonly decisions = new Map<Hit, Map<Signal, Classification>>();
  /** Hits of the generic trailers (by `key\0value`) and of attribution records: the same declaration repeats across commits. */
  private readonly declared = new Map<string, Hit>();

  constructor(catalog: Catalog, maintenanceBots: readonly string[]) {
    this.bots = new Set(maintenanceBots.map((b) => b.toLowerCase()));
    const rules = catalog.rules ?? {};
    this.noreplyLocals = new Set((rules.noreplyLocalParts ?? ['noreply', 'no-reply']).map((l) => l.toLowerCase()));
    this.appConfidence = rules.githubApps?.confidence ?? 'medium';
    for (const a of rules.attribution ?? []) this.attributionConfidence.set(a.format, a.confidence);
    for (const t of rules.assistedTrailers ?? []) this.assisted.set(t.key.toLowerCase(), { cls: t.class, confidence: t.confidence });
    for (const entry of catalog.entries) this.add(entry);
    // The parser searches every batch once per marker: markers sharing a start up to `[` ("Generated with [") are searched as one.
    const texts = [...this.messages.map((m) => m.text), ...this.prefixes.map((p) => p.text)];
    this.messageMarkers = [...new Set(texts.map((t) => (t.indexOf('[') > 0 ? t.slice(0, t.indexOf('[') + 1) : t)))];
  }

  commit(c: ClassifiableCommit, context: CommitContext = {}): Classification {
    const author = this.match(c.author);
    if (author.named) return this.decide(author.named, 'author');
    if (author.maintenanceBot) return { class: 'bot', rule: 'author', tool: author.maintenanceBot, family: null, signal: null };
    if (author.app) return this.decide(author.app, 'author');
    // Merge tooling commits as GitHub Apps, so only catalog entries count on the committer side.
    const committer = c.committer === c.author ? author : this.match(c.committer);
    if (committer.named) return this.decide(committer.named, 'committer');
    const recorded = context.attribution?.length ? this.attribution(context.attribution) : null;
    if (recorded) return this.decide(recorded, 'notes');
    let assisted: Hit | null = null;
    for (const t of c.trailers) {
      const hit = this.trailerHit(t);
      if (hit?.cls === 'agent') return this.decide(hit, 'trailer');
      assisted ??= hit;
    }
    if (c.body !== '') {
      for (const m of this.messages) if (c.body.includes(m.text)) return this.decide(m.hit, 'message');
      for (const p of this.prefixes) if (c.body.startsWith(p.text)) return this.decide(p.hit, 'message');
    }
    const branch = context.branch?.toLowerCase();
    if (branch) for (const b of this.branches) if (branch.startsWith(b.prefix)) return this.decide(b.hit, 'branch');
    return assisted ? this.decide(assisted, 'trailer') : HUMAN;
  }

  /** The class of a reviewer or merger: an agent or a bot cannot review. */
  identity(i: Identity): CommitClass {
    const m = this.match(i);
    if (m.named || m.app) return 'agent';
    return m.maintenanceBot ? 'bot' : 'human';
  }

  private add(entry: CatalogEntry): void {
    for (const name of entry.toolNames ?? []) this.toolNames.set(name.toLowerCase(), entry);
    for (const m of entry.markers) {
      const value = m.value.toLowerCase();
      switch (m.kind) {
        case 'email': {
          const hit = hitOf(entry, m, `address ${value}`);
          this.emails.set(value, hit);
          const at = value.lastIndexOf('@');
          if (this.noreplyLocals.has(value.slice(0, at))) this.noreplyDomains.set(value.slice(at + 1), hit);
          break;
        }
        case 'name':
          this.names.set(value, hitOf(entry, m, `name ${m.value}`));
          break;
        case 'github-app':
          this.apps.set(value, hitOf(entry, m, `GitHub App ${value}`));
          break;
        case 'email-pattern':
          this.emailPatterns.push({ re: compilePattern(m, entry.id)!, hit: hitOf(entry, m, `address /${m.value}/`) });
          break;
        case 'name-pattern':
          this.namePatterns.push({ re: compilePattern(m, entry.id)!, hit: hitOf(entry, m, `name /${m.value}/`) });
          break;
        case 'trailer': {
          const rules = this.trailers.get(value) ?? [];
          rules.push({ value: compilePattern(m, entry.id), hit: hitOf(entry, m, `trailer ${m.value}${m.valuePattern ? ` /${m.valuePattern}/` : ''}`) });
          this.trailers.set(value, rules);
          break;
        }
        case 'message':
          this.messages.push({ text: m.value, hit: hitOf(entry, m, `message "${m.value}"`) });
          break;
        case 'subject-prefix':
          this.prefixes.push({ text: m.value, hit: hitOf(entry, m, `subject prefix "${m.value}"`) });
          break;
        case 'branch-prefix':
          this.branches.push({ prefix: value, hit: hitOf(entry, m, `branch prefix ${value}`) });
          break;
      }
    }
  }

  private trailerHit(t: Trailer): Hit | null {
    if (t.identity && t.key === 'co-authored-by') {
      const m = this.match(t.identity);
      return m.named ?? m.app;
    }
    for (const rule of this.trailers.get(t.key) ?? []) if (!rule.value || rule.value.test(t.value)) return rule.hit;
    const generic = this.assisted.get(t.key);
    if (!generic) return null;
    const key = `${t.key}\0${t.value}`;
    let hit = this.declared.get(key);
    if (!hit) {
      const tool = this.declaredTool(t.value);
      hit = { cls: generic.cls, tool: tool.tool, family: tool.family, marker: `trailer ${t.key}`, confidence: generic.confidence };
      this.declared.set(key, hit);
    }
    return hit;
  }

  private decide(hit: Hit, rule: Exclude<Signal, 'none'>): Classification {
    let byRule = this.decisions.get(hit);
    if (!byRule) {
      byRule = new Map();
      this.decisions.set(hit, byRule);
    }
    let decision = byRule.get(rule);
    if (!decision) {
      decision = decided(hit, rule);
      byRule.set(rule, decision);
    }
    return decision;
  }

  /**
   * The tool an `Assisted-by` or `Generated-by` value names: the kernel's
   * `AGENT_NAME:MODEL_VERSION [TOOL...]`, a free-form name (`GitHub Copilot`,
   * `Claude Code (opus)`), or an identity (`Claude <noreply@anthropic.com>`).
   */
  private declaredTool(value: string): { tool: string; family: string } {
    const address = /<([^<>]+)>/.exec(value)?.[1]?.toLowerCase();
    const byAddress = address ? (this.emails.get(address) ?? this.vendorAddress(address)) : null;
    if (byAddress) return { tool: byAddress.tool, family: byAddress.family };
    const name = value
      .replace(/<[^<>]*>/g, '')
      .split(/[(:]/)[0]!
      .trim()
      .toLowerCase();
    const entry = this.toolNames.get(name) ?? this.toolNames.get(name.split(/\s+/)[0] ?? '');
    if (entry) return { tool: entry.id, family: entry.family };
    return { tool: name.slice(0, 100) || 'unnamed', family: UNKNOWN_FAMILY };
  }

  private attribution(notes: readonly AttributionNote[]): Hit | null {
    const note = notes[0];
    if (!note) return null;
    const key = `\0${note.format}\0${note.tool}`;
    let hit = this.declared.get(key);
    if (!hit) {
      const entry = note.tool ? this.toolNames.get(note.tool.toLowerCase()) : undefined;
      hit = {
        cls: 'agent',
        tool: entry?.id ?? note.tool ?? note.format,
        family: entry?.family ?? UNKNOWN_FAMILY,
        marker: note.format === 'git-ai' ? 'git-ai note' : 'Agent Trace record',
        confidence: this.attributionConfidence.get(note.format) ?? 'high',
      };
      this.declared.set(key, hit);
    }
    return hit;
  }

  private vendorAddress(email: string): Hit | null {
    const at = email.lastIndexOf('@');
    if (at < 0 || !this.noreplyLocals.has(email.slice(0, at))) return null;
    return this.noreplyDomains.get(email.slice(at + 1)) ?? null;
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
    let named = this.emails.get(email) ?? this.apps.get(login) ?? this.names.get(name) ?? this.vendorAddress(email);
    if (!named) named = this.emailPatterns.find((p) => p.re.test(email))?.hit ?? this.namePatterns.find((p) => p.re.test(name))?.hit ?? null;
    const app: Hit | null =
      !named && !maintenanceBot && login.endsWith('[bot]')
        ? { cls: 'agent', tool: login, family: 'github-app', marker: 'GitHub App login', confidence: this.appConfidence }
        : null;
    return { named: named ?? null, app, maintenanceBot };
  }
}

const BASIS: Record<Exclude<Signal, 'none'>, NonNullable<CommitDetail['signal']>['basis']> = {
  author: 'identity',
  committer: 'identity',
  notes: 'attribution',
  trailer: 'declared',
  message: 'declared',
  branch: 'declared',
};

function decided(hit: Hit, rule: Exclude<Signal, 'none'>): Classification {
  return {
    class: hit.cls,
    rule,
    tool: hit.tool,
    family: hit.family,
    signal: { marker: hit.marker, confidence: hit.confidence, basis: BASIS[rule] },
  };
}
