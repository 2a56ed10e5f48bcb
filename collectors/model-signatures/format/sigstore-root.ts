import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const PUBLIC_GOOD = 'https://tuf-repo-cdn.sigstore.dev';

/**
 * The trusted root of Sigstore's public-good instance as @sigstore/tuf embeds
 * it (in its TUF seeds), so keyless signatures verify offline. A newer root
 * can be given as a file (`verify.trustedRoot`).
 */
export function embeddedTrustedRoot(): unknown {
  const pkg = createRequire(import.meta.url).resolve('@sigstore/tuf/package.json');
  const seeds = JSON.parse(readFileSync(join(dirname(pkg), 'seeds.json'), 'utf8')) as Record<string, { targets: Record<string, string> }>;
  const encoded = seeds[PUBLIC_GOOD]?.targets['trusted_root.json'];
  if (!encoded) throw new Error('@sigstore/tuf does not embed a trusted root for the public-good instance');
  return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
}
