import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';

// biome-ignore lint/suspicious/noExplicitAny: parsed HCL has no static type; checks read it field by field.
export type TerraformJson = Record<string, any>;

/** Every .tf file of a module parsed with @cdktf/hcl2json and merged, as Terraform merges a module's files. */
export async function parseTerraform(dir: string): Promise<TerraformJson> {
  const merged: TerraformJson = {};
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort()) {
    const json = (await parseHcl(file, readFileSync(join(dir, file), 'utf8'))) as TerraformJson;
    for (const [top, value] of Object.entries(json)) {
      if (Array.isArray(value)) merged[top] = [...(merged[top] ?? []), ...value];
      else if (top === 'resource' || top === 'data') {
        merged[top] ??= {};
        for (const [type, byName] of Object.entries(value as TerraformJson)) merged[top][type] = { ...(merged[top][type] ?? {}), ...(byName as TerraformJson) };
      } else merged[top] = { ...(merged[top] ?? {}), ...(value as TerraformJson) };
    }
  }
  return merged;
}
