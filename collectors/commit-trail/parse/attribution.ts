/** What a git-ai note or an Agent Trace record says about one commit. */
export interface AttributionNote {
  format: 'git-ai' | 'agent-trace';
  /** The tool the record names (`cursor`, `claude`), or null when it names none. */
  tool: string | null;
}

/**
 * What a git-ai authorship log (Git AI Standard v3, `refs/notes/ai`) says:
 * an attestation section (a file path a line, then indented
 * `<prompt hash> <line ranges>` lines), a `---` line, and JSON metadata whose
 * `prompts` name each session's `agent_id.tool`. A log that attributes no
 * line to a prompt says no agent wrote any; null then, or when it is not one.
 */
export function parseGitAiNote(text: string): AttributionNote | null {
  const divider = text.indexOf('\n---\n');
  const attestation = divider < 0 ? '' : text.slice(0, divider);
  if (divider < 0 || !/^ {2}[0-9a-f]{7,} \S/m.test(attestation)) return null;
  let tool: string | null = null;
  try {
    const meta = JSON.parse(text.slice(divider + 5)) as { schema_version?: unknown; prompts?: Record<string, { agent_id?: { tool?: unknown } }> };
    if (typeof meta.schema_version !== 'string' || !meta.schema_version.startsWith('authorship/')) return null;
    for (const p of Object.values(meta.prompts ?? {})) {
      if (typeof p.agent_id?.tool === 'string' && p.agent_id.tool !== '') {
        tool = p.agent_id.tool;
        break;
      }
    }
  } catch {
    return null;
  }
  return { format: 'git-ai', tool };
}

interface TraceContributor {
  type?: unknown;
}

interface TraceRecord {
  tool?: { name?: unknown };
  files?: { conversations?: { contributor?: TraceContributor; ranges?: { contributor?: TraceContributor }[] }[] }[];
}

const BY_AI = new Set(['ai', 'mixed']);

/**
 * What Agent Trace records (agent-trace.dev, one JSON record or JSON Lines)
 * attached to a commit say: whether any range is by an `ai` or `mixed`
 * contributor, and the tool that wrote the record. Null when none is.
 */
export function parseAgentTrace(text: string): AttributionNote | null {
  const trimmed = text.trim();
  const lines = trimmed.startsWith('{') && !trimmed.includes('\n{') ? [trimmed] : trimmed.split('\n');
  for (const line of lines) {
    let record: TraceRecord;
    try {
      record = JSON.parse(line) as TraceRecord;
    } catch {
      continue;
    }
    const byAi = (record.files ?? []).some((f) =>
      (f.conversations ?? []).some((c) => BY_AI.has(c.contributor?.type as string) || (c.ranges ?? []).some((r) => BY_AI.has(r.contributor?.type as string))),
    );
    if (byAi) return { format: 'agent-trace', tool: typeof record.tool?.name === 'string' ? record.tool.name : null };
  }
  return null;
}
