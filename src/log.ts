import { type LevelWithSilent, type Logger, pino } from 'pino';

/** Keys whose values are never logged, at any depth pino's redaction reaches. */
const SECRET_KEYS = [
  'password',
  'passphrase',
  'secret',
  'token',
  'apiKey',
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
  'privateKey',
  'authorization',
  'credentials',
  'cookie',
];

const REDACT = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers.${k}`, `req.headers.${k}`]);

export type { Logger };

/** pino JSON logs to stderr, so stdout stays for the command's own output. */
export function createLogger(level: LevelWithSilent = 'info'): Logger {
  return pino(
    {
      name: 'evidence-agent',
      level,
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
