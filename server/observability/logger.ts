import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs; credentials never reach a log line. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        'authorization',
        'token',
        '*.token',
        'connectionParams',
      ],
      censor: '[redacted]',
    },
  });
}
