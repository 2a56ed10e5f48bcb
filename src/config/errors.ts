import { formatPath, type PathSegment } from '../json-schema.js';

export interface ConfigProblem {
  path: PathSegment[];
  message: string;
  line?: number | undefined;
}

/** A config file that cannot be used; the message names the file, the line and the key of each problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(problems.map((p) => `${file}${p.line ? `:${p.line}` : ''}: ${p.path.length ? `${formatPath(p.path)}: ` : ''}${p.message}`).join('\n'));
  }
}
