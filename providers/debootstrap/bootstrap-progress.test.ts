import { describe, expect, it } from 'vitest';
import {
  BootstrapOutputParser,
  describeProgress,
  LineSplitter,
  type BootstrapProgress,
} from './bootstrap-progress.js';

/** What each line made of the progress (undefined: nothing new). */
function feed(text: string): (BootstrapProgress | undefined)[] {
  const p = new BootstrapOutputParser();
  return text.split('\n').map((l) => p.push(l));
}

// Excerpts of `mmdebstrap --verbose --variant=minbase bookworm` (1.3.5) output.
const MMDEBSTRAP = `I: chroot architecture amd64 is equal to the host's architecture
I: finding correct signed-by value...
I: downloading packages with apt...
Reading package lists...
0 upgraded, 3 newly installed, 0 to remove and 1 not upgraded.
Need to get 22.2 MB of archives.
Get:1 http://deb.debian.org/debian bookworm/main amd64 gcc-12-base amd64 12.2.0-14+deb12u1 [37.6 kB]
Get:2 http://deb.debian.org/debian bookworm/main amd64 libc6 amd64 2.36-9+deb12u14 [2759 kB]
Get:3 http://deb.debian.org/debian bookworm/main amd64 mawk amd64 1.3.4.20200120-3.1 [119 kB]
Fetched 22.2 MB in 0s (165 MB/s)
I: extracting archives...
I: installing essential packages...
Selecting previously unselected package gcc-12-base:amd64.
Preparing to unpack .../gcc-12-base_12.2.0-14+deb12u1_amd64.deb ...
Unpacking gcc-12-base:amd64 (12.2.0-14+deb12u1) ...
Unpacking libc6:amd64 (2.36-9+deb12u14) ...
Setting up gcc-12-base:amd64 (12.2.0-14+deb12u1) ...
I: installing remaining packages inside the chroot...
0 upgraded, 27 newly installed, 0 to remove and 0 not upgraded.
Get:1 http://deb.debian.org/debian bookworm/main amd64 libcom-err2 amd64 1.47.0-2+b2 [20.0 kB]
Unpacking libcom-err2:amd64 (1.47.0-2+b2) ...
I: cleaning apt cache...
I: success in 21.5048 seconds`;

// debootstrap 1.0.128 without --verbose.
const DEBOOTSTRAP = `I: Retrieving InRelease
I: Checking Release signature
I: Valid Release signature (key id 4D64FEC119C2029067D6E791F8D2585B8783D481)
I: Retrieving Packages
I: Validating Packages
I: Resolving dependencies of required packages...
I: Checking component main on http://deb.debian.org/debian...
I: Retrieving adduser 3.134
I: Validating adduser 3.134
I: Retrieving apt 2.6.1
I: Validating apt 2.6.1
I: Chosen extractor for .deb packages: dpkg-deb
I: Extracting adduser...
I: Extracting apt...
I: Installing core packages...
I: Unpacking required packages...
I: Configuring required packages...
I: Base system installed successfully.`;

describe('bootstrap output', () => {
  it("counts mmdebstrap's packages per step, against the total of apt's round", () => {
    const got = feed(MMDEBSTRAP).filter((x) => x !== undefined);
    const shown = got.map((p) => `${describeProgress(p) ?? ''} ${p.done ?? '-'}/${p.total ?? '?'}`);
    expect(shown).toEqual([
      'downloading packages with apt -/?',
      'downloading packages with apt 1/3',
      'downloading packages with apt 2/3',
      'downloading packages with apt 3/3',
      'extracting archives -/?',
      'installing essential packages -/?',
      'installing essential packages, unpacking 1/3',
      'installing essential packages, unpacking 2/3',
      'installing essential packages, configuring 1/3',
      'installing remaining packages inside the chroot -/?',
      'installing remaining packages inside the chroot, downloading 1/27',
      'installing remaining packages inside the chroot, unpacking 1/27',
      'cleaning apt cache -/?',
    ]);
  });

  it("counts debootstrap's downloads once per package, and extracts against them", () => {
    const got = feed(DEBOOTSTRAP).filter((x) => x !== undefined);
    const shown = got.map((p) => `${describeProgress(p) ?? ''} ${p.done ?? '-'}/${p.total ?? '?'}`);
    expect(shown).toEqual([
      'resolving dependencies of required packages -/?',
      'resolving dependencies of required packages, downloading 1/?',
      'resolving dependencies of required packages, downloading 1/?',
      'resolving dependencies of required packages, downloading 2/?',
      'resolving dependencies of required packages, downloading 2/?',
      'resolving dependencies of required packages, extracting 1/2',
      'resolving dependencies of required packages, extracting 2/2',
      'installing core packages -/?',
      'unpacking required packages -/?',
      'configuring required packages -/?',
    ]);
  });

  it('ignores lines that are not progress', () => {
    const p = new BootstrapOutputParser();
    for (const l of ['', 'Reading package lists...', 'W: something odd', 'dpkg: warning: x', 'Fetched 1 kB'])
      expect(p.push(l)).toBeUndefined();
  });

  it('splits chunks into lines at \\n and \\r, keeping a partial line for the next chunk', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    s.push('I: down');
    s.push('loading packages with apt...\nGet:1 a\r\nGet:2 b\r(Reading database ... 5%');
    expect(lines).toEqual(['I: downloading packages with apt...', 'Get:1 a', 'Get:2 b']);
    s.end();
    expect(lines.at(-1)).toBe('(Reading database ... 5%');
  });
});
