/**
 * Logger: plain lines on stderr, never stdout (export's stdout is disk data). Ganeti appends stderr
 * to /var/log/ganeti/os/*.log and shows the last 20 lines on failure, so lines are short and the
 * failure reason is printed last. Secrets registered with `redact()` are masked in every line.
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';
const order: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3, trace: 4 };

export interface LogSink {
  write(line: string): void;
}

const stderrSink: LogSink = {
  write(line) {
    process.stderr.write(line + '\n');
  },
};

export class Logger {
  private secrets: string[] = [];
  constructor(
    private level: LogLevel = 'info',
    private sink: LogSink = stderrSink,
    private prefix = '',
    private format: 'text' | 'json' = 'text',
  ) {}

  /** DEBUG_LEVEL 0 -> info, 1 -> debug, >=2 -> trace. */
  static levelFromDebug(debugLevel: number): LogLevel {
    return debugLevel >= 2 ? 'trace' : debugLevel >= 1 ? 'debug' : 'info';
  }

  setLevel(level: LogLevel): void {
    this.level = level;
  }
  setFormat(format: 'text' | 'json'): void {
    this.format = format;
  }
  enabled(level: LogLevel): boolean {
    return order[level] <= order[this.level];
  }

  /** Never print this value: private and secret OS parameters are registered here. */
  redact(secret: string): void {
    if (secret.length >= 1 && !this.secrets.includes(secret)) {
      this.secrets.push(secret);
      this.secrets.sort((a, b) => b.length - a.length);
    }
  }

  mask(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('***');
    return out;
  }

  child(prefix: string): Logger {
    const c = new Logger(
      this.level,
      this.sink,
      this.prefix ? `${this.prefix}${prefix}` : prefix,
      this.format,
    );
    c.secrets = this.secrets; // shared on purpose: a secret is a secret everywhere
    return c;
  }

  private emit(level: LogLevel, msg: string): void {
    if (!this.enabled(level)) return;
    const text = this.mask(msg);
    for (const line of text.split('\n')) {
      if (this.format === 'json') {
        this.sink.write(JSON.stringify({ time: new Date().toISOString(), level, msg: this.prefix + line }));
      } else {
        const tag = level === 'info' || line.startsWith(`${level}[`) ? '' : `${level}: `;
        this.sink.write(`${tag}${this.prefix}${line}`);
      }
    }
  }

  error(msg: string): void {
    this.emit('error', msg);
  }
  warn(msg: string): void {
    this.emit('warn', msg);
  }
  info(msg: string): void {
    this.emit('info', msg);
  }
  debug(msg: string): void {
    this.emit('debug', msg);
  }
  trace(msg: string): void {
    this.emit('trace', msg);
  }
}

/** A sink that keeps lines in memory, for tests. */
export class MemorySink implements LogSink {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
}
