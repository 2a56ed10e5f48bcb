import type { Identity } from '../schema.js';

const NAME_AND_EMAIL = /^(.*?)\s*<([^<>]*)>\s*$/;
const NOREPLY = /^(?:\d+\+)?([^@]+)@users\.noreply\.github\.com$/i;

/** Parses a trailer value such as `Alice Example <alice@example.com>`. */
export function parseIdentity(value: string): Identity {
  const m = NAME_AND_EMAIL.exec(value.trim());
  if (!m) return { name: value.trim(), email: null };
  return { name: m[1]!.trim(), email: m[2]!.trim() || null };
}

/** The GitHub login behind a `12345+login@users.noreply.github.com` address, lowercased. */
export function githubLogin(email: string | null): string | null {
  const m = email ? NOREPLY.exec(email) : null;
  return m ? m[1]!.toLowerCase() : null;
}

/**
 * Whether two identities are the same person. Deliberately generous (same
 * address, same GitHub login or same name) because it decides self-approval,
 * where a missed match would credit a review that never happened.
 */
export function sameIdentity(a: Identity, b: Identity): boolean {
  const keysOfB = identityKeys(b);
  return identityKeys(a).some((k) => keysOfB.includes(k));
}

/** An address, and the names a person goes by: the display name, or the login in a GitHub address. Two identities sharing a key are one person. */
export function identityKeys(i: Identity): string[] {
  const out: string[] = [];
  if (i.email) out.push(`@${i.email.toLowerCase()}`);
  const login = githubLogin(i.email);
  if (login) out.push(login);
  if (i.name.trim() !== '') out.push(i.name.trim().toLowerCase());
  return out;
}

export function formatIdentity(i: Identity): string {
  return i.email ? `${i.name} <${i.email}>` : i.name;
}
