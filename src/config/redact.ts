import type { JsonObject, JsonValue } from '../json.js';

/** Keys whose values are secret wherever they appear: names ending in one of these words, in any case (`apiKey`, `authToken`). */
const SECRET_KEY = /(token|password|passphrase|secret|key|credentials?|authorization|cookie)$/i;

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export const REDACTED = '[redacted]';

/**
 * Each `${NAME}` becomes `[redacted: ${NAME}]`: which variable, never its value, since whatever comes from the
 * environment may be a secret (the README says to keep them there). The text around it is the file's own.
 */
function redactString(value: string): string {
  return value.replace(REFERENCE, (_match, name: string | undefined) => (name === undefined ? '${' : `[redacted: \${${name}}]`));
}

/**
 * The config as the agent ran it, safe to store as evidence: `$${` written as
 * the `${` it stands for, every value substituted from `${ENV}` replaced by
 * a note naming the variable, and the value of every key named
 * like a secret (see SECRET_KEY) replaced by `[redacted]`. `raw` is the file's
 * content before `${ENV}` substitution.
 */
export function redactedConfig(raw: JsonValue): JsonValue {
  if (typeof raw === 'string') return redactString(raw);
  if (Array.isArray(raw)) return raw.map(redactedConfig);
  if (raw !== null && typeof raw === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(raw)) out[k] = SECRET_KEY.test(k) && v !== null ? REDACTED : redactedConfig(v);
    return out;
  }
  return raw;
}
