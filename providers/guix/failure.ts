/**
 * A failed guix command as ONE line (pure). Guix ends a failure with a `...: error: X` line, or,
 * when an exception escapes (time-machine that cannot reach its channel), with a Guile backtrace
 * whose last `In procedure P: msg` line says what went wrong. Ganeti shows the admin the last
 * lines of the log, so the provider reports that line with what was being done (which command,
 * travelling to which commit) and a hint, never the backtrace.
 */
import { OsError } from 'ganeti-os/sdk';

type ErrorCode = OsError['code'];

/** What the argument vector was doing, e.g. "guix system build -d (time-machine to commit 2f39f2a8)". */
export function describeCommand(argv: readonly string[]): string {
  const tm = argv.indexOf('time-machine');
  const sep = argv.indexOf('--');
  const cmd = tm >= 0 && sep > tm ? argv.slice(sep + 1) : argv.slice(1);
  const words = cmd.filter((a, i) => i < 2 || a === '-d').filter((a) => !a.startsWith('--'));
  const what = `guix ${words.join(' ')}`.trim();
  if (tm < 0) return what;
  const opt = (name: string) =>
    argv.find((a, i) => i < sep && a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const commit = opt('commit');
  const branch = opt('branch');
  const url = opt('url');
  const to = commit ? `commit ${commit}` : branch ? `branch ${branch}` : 'the latest commit';
  return `${what} (time-machine to ${to}${url ? ` of ${url}` : ''})`;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

function cleanLines(stderr: string): string[] {
  return stderr
    .replace(ANSI, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

interface Reason {
  code: ErrorCode;
  text: string;
  hint: string;
}

const CHANNEL_HINT =
  "the node must reach the channel's Git repository (repo_uri, default Guix's); check its DNS and network, or drop commit, branch and repo_uri to use the installed guix";
const COMMIT_HINT =
  "give a commit or branch that exists in the channel (repo_uri) and is newer than its introduction; a repository without Guix's introduction needs disable_authentication=true";
const SYSTEM_HINT = 'see `guix build --list-systems` and `guix build --list-targets` for the accepted values';
const BUILD_HINT =
  "a download or a build failed: check that the node reaches the substitute servers (the variant's substitute-urls) and rerun with DEBUG_LEVEL=1 for guix's log";
const CONFIG_HINT = "fix the variant's configuration there; check it with `guix system build -d <config>`";

/** The text after `error:` of the last error line, with the file:line:col it names, if any. */
function lastError(lines: string[]): { text: string; index: number } | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /(?:^|\s|:)error:\s*(.*)$/.exec(lines[i]!);
    if (m) return { text: m[1]!.trim(), index: i };
  }
  return undefined;
}

/** guix's own `hint:` after the error line, joined into one line. */
function guixHint(lines: string[], from: number): string | undefined {
  const start = lines.findIndex((l, i) => i > from && l.startsWith('hint:'));
  if (start < 0) return undefined;
  const text = lines
    .slice(start)
    .join(' ')
    .replace(/^hint:\s*/, '')
    .replace(/\s+/g, ' ');
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/**
 * The innermost backtrace frame in a file given by absolute path (the configuration; guix's own
 * modules are named relative to the load path): `In /x/config.scm:` then `  197:19  4 (...)`.
 */
function backtraceFrame(lines: string[]): string | undefined {
  for (let i = lines.length - 2; i >= 0; i--) {
    const file = /^In (\/\S+):$/.exec(lines[i]!)?.[1];
    const at = file ? /^(\d+):(\d+)\s/.exec(lines[i + 1]!) : null;
    if (file && at) return `${file}:${at[1]}:${at[2]}`;
  }
  return undefined;
}

function classify(lines: string[], travelling: boolean): Reason {
  const err = lastError(lines);
  const proc = [...lines]
    .reverse()
    .map((l) => /(?:^|: )In procedure ([^:]+: .*)$/.exec(l)?.[1])
    .find((t) => t !== undefined);
  // A backtrace through a failed git fetch carries git's own message: it names the host.
  const gitError = [...lines]
    .reverse()
    .map((l) => /git-error #<<git-error> code: -?\d+ message: "((?:[^"\\]|\\.)*)"/.exec(l)?.[1])
    .find((t) => t !== undefined);
  const text =
    err?.text ?? (travelling ? gitError : undefined) ?? proc ?? lines[lines.length - 1] ?? 'no output';
  const all = lines.join('\n');

  if (
    /cannot travel past commit|no match for id|object not found|revspec .* not found|unknown commit|reference '[^']*' not found|invalid commit/i.test(
      text,
    )
  ) {
    return { code: 'E_GUIX_COMMIT', text, hint: COMMIT_HINT };
  }
  if (/is not a supported (system|cross-compilation target)/.test(text)) {
    return { code: 'E_GUIX_SYSTEM', text, hint: SYSTEM_HINT };
  }
  const network =
    /getaddrinfo|failed to resolve address|Name or service not known|Could not resolve host|Connection refused|Network is unreachable|Git error|failed to connect|unable to access/i;
  if (travelling && (network.test(text) || (/Updating channel/.test(all) && !err && proc))) {
    return { code: 'E_GUIX_CHANNEL', text: `cannot reach the channel: ${text}`, hint: CHANNEL_HINT };
  }
  if (
    /^build of .* failed|couldn't be built|^some dependencies couldn't be built|cannot build derivation|failed to download|download .* failed/i.test(
      text,
    )
  ) {
    return { code: 'E_GUIX_BUILD', text, hint: BUILD_HINT };
  }
  if (err) {
    // `failed to load 'FILE':` is followed by the reason, `FILE:LINE:COL: message`.
    const next = lines[err.index + 1];
    const located = /^(\/\S+?):(\d+):(\d+):\s*(.*)$/.exec(
      err.text.startsWith('failed to load') && next ? next : lines[err.index]!,
    );
    const where = located ? `${located[1]}:${located[2]}:${located[3]}` : backtraceFrame(lines);
    const configError =
      where !== undefined ||
      /failed to load|unbound variable|service '[^']*' requires|no target of type|invalid field|missing field|extraneous field|wrong type|syntax error/i.test(
        text,
      );
    if (configError) {
      const msg = located?.[4] && err.text.startsWith('failed to load') ? located[4] : text;
      const g = guixHint(lines, err.index);
      return {
        code: 'E_GUIX_CONFIG',
        text: `configuration error${where ? ` at ${where}` : ''}: ${msg.replace(/^error:\s*/, '')}`,
        hint: g ? `${CONFIG_HINT} (guix: ${g})` : CONFIG_HINT,
      };
    }
  }
  return { code: 'E_GUIX', text, hint: "rerun with DEBUG_LEVEL=1 to see guix's full output" };
}

/**
 * One OsError for a failed guix run: `<command>: <reason>` with the reason taken from the last
 * `error:` line (or the backtrace's `In procedure` line) and a hint for its kind.
 */
export function describeGuixFailure(stderr: string, argv: readonly string[]): OsError {
  const lines = cleanLines(stderr);
  const travelling = argv.includes('time-machine');
  const r = classify(lines, travelling);
  const text = r.text.length > 300 ? `${r.text.slice(0, 297)}...` : r.text;
  return new OsError(r.code, `${describeCommand(argv)} failed: ${text}`, { hint: r.hint });
}
