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

/**
 * The user and password of `url` as git configuration passed through the
 * environment of one git command: an `Authorization: Basic` header for the
 * URL's host. Given in the URL instead, git would keep them in the clone's
 * config file; given with `-c`, any user could read them in the process list.
 * Empty when the URL names no user.
 */
export function credentialEnvironment(url: string): Record<string, string> {
  const u = httpUrl(url);
  if (!u || (!u.username && !u.password)) return {};
  const basic = Buffer.from(`${decoded(u.username)}:${decoded(u.password)}`, 'utf8').toString('base64');
  // Scoped to the host, as git scopes credentials it is given in a URL; curl drops the header on a redirect to another host.
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `http.${u.protocol}//${u.host}/.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

/**
 * The URL git is given: an http(s) URL without its user and password (see
 * credentialEnvironment); any other, such as `ssh://git@host/…`, whose user
 * is no secret and is needed to log in, as configured.
 */
export function gitUrl(url: string): string {
  return httpUrl(url) ? withoutCredentials(url) : url;
}

function httpUrl(url: string): URL | null {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u : null;
  } catch {
    return null;
  }
}

/** A URL's user or password as git reads it: percent-decoded, unless that is malformed. */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
