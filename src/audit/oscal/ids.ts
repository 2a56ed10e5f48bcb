import { nameUuid } from './uuid.js';

/** The namespace of the props this export defines (OSCAL asks for one on names it does not define itself). */
export const OSCAL_NS = 'urn:evidence-agent:oscal';

/** OSCAL's token datatype, which control and objective ids must match. */
const TOKEN = /^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$/u;

/**
 * A control id as an OSCAL token. SOC 2 (`CC8.1`) and ISO/IEC (`A.6.2.8`) ids are tokens already and kept as
 * written; ids with spaces, NIST AI RMF `GOVERN 1.1` and EU AI Act `Art. 12`, become `govern-1.1` and `art-12`
 * (lower case, a space and the dot before it a hyphen); the id as written is kept in a `control-id` prop.
 */
export function controlToken(id: string): string {
  if (TOKEN.test(id)) return id;
  const token = id
    .toLowerCase()
    .replace(/\.?\s+/g, '-')
    .replace(/[^\p{L}\p{N}._-]/gu, '-')
    .replace(/^[^\p{L}_]/u, '_$&');
  return token;
}

/**
 * A prop of this export's namespace. OSCAL prop values are one line without surrounding blanks; values taken from
 * records (free strings there) have their runs of white space made one space, so the document stays valid.
 */
export function prop(name: string, value: string): { name: string; ns: string; value: string } {
  return { name, ns: OSCAL_NS, value: value.replace(/\s+/g, ' ').trim() || '(blank)' };
}

/** The tool, as the party that wrote the document and the component findings name as their origin. */
export const TOOL_PARTY_UUID = nameUuid('party\0evidence-agent');
export const TOOL_COMPONENT_UUID = nameUuid('component\0evidence-agent');
