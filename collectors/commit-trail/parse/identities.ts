import type { Identity } from '../schema.js';
import { parseIdentity } from './identity.js';

/**
 * Hands out one Identity object per distinct person in a pass over history.
 * The same few people author and review thousands of commits, so with one
 * object each, every later judgement about a person (class, keys, JSON) is
 * worked out once and found again by object rather than by hashing strings.
 */
export class Identities {
  private readonly byHeader = new Map<string, Identity>();
  private readonly byValue = new Map<string, Identity>();

  /** The identity already known under `key`: `name\0email` as git prints them. */
  find(key: string): Identity | undefined {
    return this.byHeader.get(key);
  }

  /** Records the identity for `key`, when `find` knew none. */
  add(key: string, name: string, email: string): Identity {
    const i = this.unique({ name, email });
    this.byHeader.set(key, i);
    return i;
  }

  /** The identity a trailer value such as `Alice <alice@example.com>` names. */
  parse(value: string): Identity {
    let i = this.byValue.get(value);
    if (!i) {
      i = this.unique(parseIdentity(value));
      this.byValue.set(value, i);
    }
    return i;
  }

  /** A GitHub account, known by its login alone. */
  login(login: string): Identity {
    return this.unique({ name: login, email: null });
  }

  /** The same person reached from a header and from a trailer is still one object. */
  private unique(i: Identity): Identity {
    // Header keys always hold a NUL and a missing address none, so an empty address and no address stay apart.
    const key = i.email === null ? i.name : `${i.name}\0${i.email}`;
    let known = this.byHeader.get(key);
    if (!known) {
      known = i;
      this.byHeader.set(key, known);
    }
    return known;
  }
}
