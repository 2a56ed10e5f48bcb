/** Removes a user and password (often a token) from an https URL, for subjects, evidence and messages. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url;
  }
}

const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;

/** Removes `user:password@` from every URL in a message, wherever git or a library put one. */
export function scrubCredentials(text: string): string {
  return text.replace(USERINFO, '$1');
}
