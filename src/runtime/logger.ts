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

/**
 * A live progress line on the terminal (src/progress/): log lines on stderr clear it first and
 * draw it again after themselves, so the two never mix on one line.
 */
export interface LiveLine {
  clear(): void;
  redraw(): void;
}
let liveLine: LiveLine | undefined;

/** Register (or remove, with undefined) the live line that stderr log lines must step around. */
export function setLiveLine(l: LiveLine | undefined): void {
  liveLine = l;
}

const stderrSink: LogSink = {
  write(line) {
    liveLine?.clear();
    process.stderr.write(line + '\n');
    liveLine?.redraw();
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
  /** JSON lines (`--log-format json`): progress is reported as events, not as a live line. */
  isJson(): boolean {
    return this.format === 'json';
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

  /**
   * A structured event (`{"event":"progress",...}`) as one JSON line at info level; in the text
   * format events are not printed (the caller prints a text line instead).
   */
  event(name: string, fields: Record<string, unknown>): void {
    if (this.format !== 'json' || !this.enabled('info')) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level: 'info', event: name, ...fields });
    this.sink.write(this.mask(line));
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
