import type { PackageManifest } from '../verify/package-manifest.js';

/**
 * VERIFY.md of an evidence package: how to check it by hand. Its `sh` blocks, run in order from the package's
 * root with `bash`, are a complete check (test/audit-sample.test.ts runs them), printing `PROBLEM:` lines.
 */
export function verifyGuide(query: PackageManifest['query'], rows: number, selected: number, continuityLimit: number): string {
  const unit = query.unit === 'item' ? 'items' : 'records';
  return `# Checking this evidence package by hand

This package holds a sample of ${selected} ${unit} drawn from a population of ${rows} ${unit} of control
${query.control} (${query.framework}${query.framework === 'soc2' ? '' : `, records stating ${query.soc2Controls.join(', ')} in SOC 2`}), observed from ${query.from} to ${query.to} in the store ${query.store}, with the seed
${JSON.stringify(query.seed)}. It was written by \`evidence-agent sample\`; checking it needs none of its code, only
\`bash\`, \`jq\`, \`sha256sum\`, \`base64\` and \`openssl\`, and the vendor's public checkpoint key obtained out of band
(never one found in the package). The format of everything here is in \`evidence-schema/README.md\` of evidence-agent.

\`evidence-agent verify --store file:<this folder> --trusted-key <key>\` does all of the following. By hand, run each
block below from the package's root, in order (for a \`.tar.gz\`: \`mkdir pkg && tar -xzf <file> -C pkg && cd pkg\`).
A line starting with \`PROBLEM:\` is a finding; no such line means the check passed.

| path | what it is |
| --- | --- |
| \`manifest.json\` | the query, the population's size and chain heads, the selection with each one's sort value, and the size and SHA-256 of every other file |
| \`records/<agent>/<collector>/<day>/<seq>.json\` | the selected records, and their chain neighbours, byte for byte as stored, at their store keys |
| \`blobs/sha256/<hex>\` | the attachments of those records and the payload schemas they name |
| \`checkpoints/<agent>/<seq>.json\` | for each selected record, the oldest signed checkpoint of its agent that covers it |

## 1. Every file is the one the manifest lists, and nothing was added

\`\`\`sh
jq -r '.files[] | "\\(.sha256)  \\(.path)"' manifest.json | sha256sum --check --quiet 2>&1 | sed 's/^/PROBLEM: /'
diff <(find . -type f ! -path ./manifest.json | sed 's|^\\./||' | LC_ALL=C sort) <(jq -r '.files[].path' manifest.json | LC_ALL=C sort) | grep '^[<>]' | sed 's/^</PROBLEM: not listed:/; s/^>/PROBLEM: missing:/'
\`\`\`

The manifest itself is vouched for by the sampling record: when the sampling was recorded, the record in the stream
\`<agent>/audit\` of the vendor's store (subject \`audit-sample\`, id the control) holds \`data.manifestSha256\`, which must
equal \`sha256sum manifest.json\`. That record is chained and checkpointed like all evidence.

## 2. Every record matches its hash and sits at its own key

A record's \`hash\` is SHA-256 over the RFC 8785 canonical JSON of the record without \`hash\`. \`jq -cjS 'del(.hash)'\`
gives that form for records whose \`data\` holds only integers and names of ASCII letters and digits, as the built-in
collectors write; for any other record use an RFC 8785 library, as \`evidence-schema/README.md\` explains.

\`\`\`sh
find records -type f -name '*.json' | LC_ALL=C sort | while read -r f; do
  got="sha256:$(jq -cjS 'del(.hash)' "$f" | sha256sum | cut -c1-64)"
  [ "$got" = "$(jq -r .hash "$f")" ] || echo "PROBLEM: $f does not match its hash"
  [ "$f" = "$(jq -r '"records/\\(.stream)/\\(.observedAt[0:10])/\\("000000000000\\(.seq)" | .[-12:]).json"' "$f")" ] || echo "PROBLEM: $f is not at its own key"
done
\`\`\`

## 3. Held records of consecutive seq are linked

Each record's \`prev\` is the \`hash\` of the record before it. The package holds the record before each selected one
and the records after it up to a checkpoint's head; gaps between those runs are expected.

\`\`\`sh
find records -type f -name '*.json' -exec cat {} + | jq -rs 'group_by(.stream)[] | sort_by(.seq) | . as $r
  | range(1; length) | select($r[.].seq == $r[. - 1].seq + 1 and $r[.].prev != $r[. - 1].hash)
  | "PROBLEM: \\($r[.].stream) seq \\($r[.].seq) does not link to seq \\($r[. - 1].seq)"'
\`\`\`

## 4. Attachments and payload schemas are the ones the records name

\`\`\`sh
# (sha256sum --check calls an empty list an error: a sample whose records hold no attachment has none to check.)
sums=$(find records -type f -name '*.json' -exec cat {} + | jq -r '.attachments[] | "\\(.sha256)  blobs/sha256/\\(.sha256)"')
[ -z "$sums" ] || printf '%s\\n' "$sums" | sha256sum --check --quiet 2>&1 | sed 's/^/PROBLEM: /'
sums=$(find records -type f -name '*.json' -exec cat {} + | jq -r '.collector.payloadSchema // empty | ltrimstr("sha256:") | "\\(.)  blobs/sha256/\\(.)"')
[ -z "$sums" ] || printf '%s\\n' "$sums" | sha256sum --check --quiet 2>&1 | sed 's/^/PROBLEM: /'
\`\`\`

Then check each record's \`data\` against the schema \`collector.payloadSchema\` names with any JSON Schema 2020-12
validator (formats asserted), as \`evidence-schema/README.md\` ("Payload schemas") says.

## 5. The checkpoints are signed by the vendor, and their heads are the held records

Set \`KEY\` to the vendor's public key (PEM). Each checkpoint is a DSSE envelope: the signature covers
\`"DSSEv1 " + len(payloadType) + " " + payloadType + " " + len(payload) + " " + payload\`.

\`\`\`sh
: "\${KEY:?set KEY to the public checkpoint key of the vendor, a PEM file}"
work=$(mktemp -d)
find checkpoints -type f -name '*.json' 2>/dev/null | LC_ALL=C sort | while read -r cp; do
  type=$(jq -r .dsseEnvelope.payloadType "$cp")
  [ "$type" = "application/vnd.evidence-agent.checkpoint+json" ] || echo "PROBLEM: $cp is not a checkpoint ($type)"
  jq -r .dsseEnvelope.payload "$cp" | base64 -d > "$work/payload"
  jq -r '.dsseEnvelope.signatures[0].sig' "$cp" | base64 -d > "$work/sig"
  { printf 'DSSEv1 %d %s %d ' "\${#type}" "$type" "$(stat -c %s "$work/payload")"; cat "$work/payload"; } > "$work/pae"
  openssl dgst -sha256 -verify "$KEY" -signature "$work/sig" "$work/pae" > /dev/null 2>&1 || echo "PROBLEM: $cp: the signature does not verify with $KEY"
  jq -r '.heads | to_entries[] | "\\(.key) \\(.value.seq) \\(.value.hash)"' "$work/payload" | while read -r stream seq hash; do
    for f in records/"$stream"/*/"$(printf '%012d' "$seq")".json; do
      [ -e "$f" ] || continue
      [ "$(jq -r .hash "$f")" = "$hash" ] || echo "PROBLEM: $cp names $hash as the head of $stream, but $f holds another record"
    done
  done
done
rm -rf "$work"
\`\`\`

A selected record is vouched for by its checkpoint when every record from it up to the checkpoint's head of its
stream is held and linked (steps 2 and 3). Where that run would pass ${continuityLimit} records, only the next record is held,
and the selection says \`"truncated": true\`; \`evidence-agent verify\` on the store checks the rest of the chain.

## 6. The selection is the one the seed gives

Each selection's \`order\` is the lowercase hex SHA-256 of the seed, a colon and its key (the record's \`hash\`, or
for items the \`itemId\`), and the sample is the first \`size\` of the population sorted by it, ascending.

\`\`\`sh
seed=$(jq -r .query.seed manifest.json)
jq -r '.selected[] | "\\(.order) \\(.itemId // .hash)"' manifest.json | while read -r order key; do
  [ "$(printf '%s:%s' "$seed" "$key" | sha256sum | cut -c1-64)" = "$order" ] || echo "PROBLEM: the order of $key is not SHA-256 of the seed and it"
  [ -e "$(jq -r --arg k "$key" '.selected[] | select((.itemId // .hash) == $k) | .key' manifest.json)" ] || echo "PROBLEM: the record of $key is not in the package"
done
\`\`\`

To redraw the sample from the whole population, export it (\`evidence-agent population … --out population.csv\`, or
list the store yourself), compute the same value for every row, sort ascending and take the first \`size\`; the
population file's header states the row count and each stream's first and last record in the window, to test that
it is complete against the store.
`;
}
