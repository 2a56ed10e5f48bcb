import { type PipelineVerdict, unknownConfig } from '../verdict.js';

interface Directive {
  words: string[];
  line: number;
  /** Lines of every word, for a directive that spans several. */
  lines: number[];
}

/** The variables that put a request's or response's body into a log line. */
const BODY = /\$(request_body|request_body_file)\b/;

/**
 * nginx: each `access_log` and the `log_format` it names; a format holding
 * `$request_body` writes request bodies (prompts) to that log. The built-in
 * `combined` format holds no body.
 */
export function analyseNginx(text: string): PipelineVerdict[] {
  const parsed = directives(text);
  if ('problem' in parsed) return unknownConfig(parsed.problem);
  const formats = new Map<string, Directive>();
  for (const d of parsed) if (d.words[0] === 'log_format' && d.words[1]) formats.set(d.words[1], d);
  const logs = parsed.filter((d) => d.words[0] === 'access_log');
  if (logs.length === 0 && !parsed.some((d) => d.words[0] === 'http' || d.words[0] === 'server' || d.words[0] === 'log_format')) {
    return unknownConfig('no http, server, log_format or access_log directive: not an nginx config');
  }
  if (logs.length === 0)
    return [
      { pipeline: 'access_log (default)', verdict: 'drops', reason: 'the default access log uses the combined format, which holds no request body', lines: [] },
    ];
  return logs.map((log) => {
    const [, path = '', third] = log.words;
    // Parameters (buffer=, gzip, if=) may follow the path instead of a format name.
    const formatName = third && !third.includes('=') && third !== 'gzip' ? third : 'combined';
    const pipeline = `access_log ${path}${path === 'off' ? '' : ` ${formatName}`} (line ${log.line})`;
    if (path === 'off') return { pipeline, verdict: 'drops', reason: 'access_log off', lines: [log.line] };
    const format = formats.get(formatName);
    if (!format) {
      if (formatName === 'combined') return { pipeline, verdict: 'drops', reason: 'the combined format holds no request body', lines: [log.line] };
      return { pipeline, verdict: 'unknown', reason: `log_format ${formatName} is not defined in this file (an include?)`, lines: [log.line] };
    }
    const bodyLines = format.words.slice(2).flatMap((w, i) => (BODY.test(w) ? [format.lines[i + 2]!] : []));
    if (bodyLines.length > 0) {
      return {
        pipeline,
        verdict: 'passes-prompts',
        reason: `log_format ${formatName} logs $request_body: request bodies (prompts) are written to ${path}`,
        lines: [...new Set([log.line, ...bodyLines])].sort((a, b) => a - b),
      };
    }
    return { pipeline, verdict: 'drops', reason: `log_format ${formatName} holds no request body`, lines: [log.line, format.line].sort((a, b) => a - b) };
  });
}

/** The config's simple directives (ending in `;`), block openers included as one-word directives; quotes and comments handled. */
function directives(text: string): Directive[] | { problem: string } {
  const out: Directive[] = [];
  let words: string[] = [];
  let lines: number[] = [];
  let line = 1;
  let depth = 0;
  let i = 0;
  const flush = () => {
    if (words.length > 0) out.push({ words, line: lines[0]!, lines });
    words = [];
    lines = [];
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === ';') {
      flush();
      i++;
    } else if (c === '{') {
      flush();
      depth++;
      i++;
    } else if (c === '}') {
      if (words.length > 0) return { problem: `line ${line}: directive "${words[0]}" has no ";" before "}"` };
      if (--depth < 0) return { problem: `line ${line}: unexpected "}"` };
      i++;
    } else if (c === '"' || c === "'") {
      const start = line;
      let j = i + 1;
      let word = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < text.length) word += text[++j];
        else word += text[j];
        if (text[j] === '\n') line++;
        j++;
      }
      if (j >= text.length) return { problem: `line ${start}: unterminated quote` };
      words.push(word);
      lines.push(start);
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s;{}"']/.test(text[j]!)) j++;
      words.push(text.slice(i, j));
      lines.push(line);
      i = j;
    }
  }
  if (words.length > 0) return { problem: `line ${lines[0]}: directive "${words[0]}" has no ";"` };
  if (depth !== 0) return { problem: `end of file: ${depth} block(s) not closed with "}"` };
  return out;
}
