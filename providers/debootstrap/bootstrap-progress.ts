/**
 * Reading a bootstrapper's output as it comes, for progress (pure). Both tools say what they do in
 * `I: ` lines; the packages are counted from the lines each one prints per package:
 *
 * - mmdebstrap --verbose: its phases (`I: downloading packages with apt...`, `I: installing
 *   essential packages...`, `I: installing remaining packages inside the chroot...`) and, within
 *   each, apt's and dpkg's own output: `N upgraded, M newly installed, ...` (the total of that
 *   round), `Get:K <url> <suite> <pkg> ...` (downloading), `Unpacking <pkg> (...)` and
 *   `Setting up <pkg> (...)` (installing).
 * - debootstrap: `I: Retrieving <pkg> <version>` / `I: Validating <pkg> <version>` (downloading),
 *   `I: Extracting <pkg>...` (the total is what was downloaded), and the phase lines
 *   (`I: Unpacking the base system...`, `I: Configuring required packages...`); with --verbose,
 *   dpkg's lines as above.
 */

export interface BootstrapProgress {
  /** The tool's own phase, as it says it ("installing essential packages"). */
  stage?: string | undefined;
  /** The step counted now: downloading, extracting, unpacking, configuring. */
  step?: string | undefined;
  /** Packages the step has done. */
  done?: number | undefined;
  /** Packages the step will do, when known. */
  total?: number | undefined;
}

/** Package names: lower case, digits, + - . (so "Release" and "Packages" are not packages). */
const PKG = String.raw`[a-z0-9][a-z0-9+.-]*`;

const APT_SUMMARY = /^(\d+) upgraded, (\d+) newly installed, \d+ to remove/;
const APT_GET = /^Get:(\d+) /;
const DPKG_UNPACK = new RegExp(String.raw`^Unpacking (${PKG})(?::\S+)? \(`);
const DPKG_SETUP = new RegExp(String.raw`^Setting up (${PKG})(?::\S+)? \(`);
const DB_FETCH = new RegExp(String.raw`^I: (?:Retrieving|Validating) (${PKG}) \S+$`);
const DB_EXTRACT = new RegExp(String.raw`^I: Extracting (${PKG})\.\.\.$`);
const INFO = /^I: (.+?)(?:\.\.\.)?$/;

/** `I: ` lines that are not phases (mmdebstrap's chatter, debootstrap's release checks). */
const NOT_A_STAGE =
  /^(chroot architecture|automatically chosen|finding correct|skipping|Retrieving|Validating|Valid Release|Checking|Chosen extractor|Found|Keyring|success in|Base system installed)/;

/**
 * The running state of one bootstrap's output, fed line by line. `push` returns the new progress
 * when the line changed it, else undefined.
 */
export class BootstrapOutputParser {
  private stage: string | undefined;
  private step: string | undefined;
  private done = 0;
  /** Packages of the current apt or dpkg round (from apt's summary, or what debootstrap fetched). */
  private roundTotal: number | undefined;
  private readonly seen = new Set<string>();
  /** Packages debootstrap downloaded: the total of what it extracts and installs. */
  private fetched = 0;
  /** Packages of apt's last round (mmdebstrap extracts and installs what it downloaded). */
  private aptTotal: number | undefined;

  private enter(step: string, total: number | undefined): void {
    if (this.step === step) return;
    this.step = step;
    this.done = 0;
    this.roundTotal = total;
    this.seen.clear();
  }

  private current(): BootstrapProgress {
    return {
      stage: this.stage,
      step: this.step,
      ...(this.step !== undefined ? { done: this.done } : {}),
      ...(this.step !== undefined && this.roundTotal !== undefined ? { total: this.roundTotal } : {}),
    };
  }

  /** Count `pkg` once in `step` (debootstrap prints Retrieving then Validating for one package). */
  private count(step: string, pkg: string, total: number | undefined): BootstrapProgress {
    this.enter(step, total);
    if (!this.seen.has(pkg)) {
      this.seen.add(pkg);
      this.done++;
    }
    return this.current();
  }

  push(raw: string): BootstrapProgress | undefined {
    const line = raw.trimEnd();
    let m: RegExpExecArray | null;
    if ((m = APT_SUMMARY.exec(line))) {
      // A new apt round: its downloads and installs are counted against this total.
      this.aptTotal = Number(m[1]) + Number(m[2]);
      this.step = undefined;
      this.roundTotal = this.aptTotal;
      return undefined;
    }
    if ((m = APT_GET.exec(line))) {
      this.enter('downloading', this.roundTotal);
      this.done = Math.max(this.done, Number(m[1]));
      return this.current();
    }
    if ((m = DPKG_UNPACK.exec(line))) return this.count('unpacking', m[1]!, this.roundTotal);
    if ((m = DPKG_SETUP.exec(line))) return this.count('configuring', m[1]!, this.roundTotal);
    if ((m = DB_FETCH.exec(line))) {
      const before = this.done;
      const p = this.count('downloading', m[1]!, undefined);
      if (this.done > before) this.fetched++;
      return p;
    }
    if ((m = DB_EXTRACT.exec(line))) return this.count('extracting', m[1]!, this.fetched || undefined);
    if ((m = INFO.exec(line))) {
      // "running --customize-hook in shell: sh -c '...'": the phase, not its command line.
      const text = m[1]!.split(': ')[0]!.trim();
      if (NOT_A_STAGE.test(text) || text.length > 120) return undefined;
      // The phases after a download install what was downloaded.
      const total = this.fetched || this.aptTotal;
      this.stage = text.charAt(0).toLowerCase() + text.slice(1);
      this.step = undefined;
      this.done = 0;
      this.seen.clear();
      this.roundTotal = total;
      return this.current();
    }
    return undefined;
  }
}

/**
 * Splits a stream of output chunks into lines for the parser; `\r` ends a line too (apt redraws
 * "Reading database ... 45%" in place).
 */
export class LineSplitter {
  private partial = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r\n|\n|\r/);
    this.partial = (parts.pop() ?? '').slice(-4096);
    for (const l of parts) if (l.trim()) this.onLine(l);
  }
  end(): void {
    if (this.partial.trim()) this.onLine(this.partial);
    this.partial = '';
  }
}

/**
 * The step as shown after the phase of the progress line: "installing essential packages,
 * unpacking"; the tool's phase alone when it already says the step ("downloading packages with
 * apt"). Undefined before the tool said anything.
 */
export function describeProgress(p: BootstrapProgress): string | undefined {
  if (p.step === undefined) return p.stage;
  if (p.stage === undefined) return p.step;
  const stem = p.step.replace(/ing$/, '');
  return p.stage.startsWith(stem) ? p.stage : `${p.stage}, ${p.step}`;
}
