/**
 * Guest configuration: planners (pure, return entries) and the one safe writer. `planGuestConfig`
 * gathers the usual planners for a fresh install; executors that need tools (ssh host keys,
 * password hashing) are separate calls.
 */
import { planRootPassword, planAuthorizedKeys, type RootPassword } from './accounts.js';
import { planAptSources, type AptOptions } from './apt.js';
import { planSerialConsole, serialConsoleDevice } from './console.js';
import type { GuestFacts } from './detect.js';
import { planFstab, type FstabEntry } from './fstab.js';
import { planHostname, planHosts, type HostnameStyle } from './hostname.js';
import { planMachineId } from './identity.js';
import { planLocale, planTimezone } from './locale.js';
import { planNetwork } from './network/index.js';
import type { GuestEntry, GuestInstance } from './types.js';

export interface GuestConfigInput {
  info: GuestInstance;
  facts: GuestFacts;
  /** A fresh id per instance (newMachineId()). */
  machineId: string;
  fstab?: readonly FstabEntry[];
  apt?: AptOptions;
  /** Serial console device; default from the hypervisor parameters; false for none. */
  serialConsole?: string | false;
  /** Default: locked. */
  rootPassword?: RootPassword;
  authorizedKeys?: readonly string[];
  locale?: string;
  timezone?: string;
  hostnameStyle?: HostnameStyle;
  /** Write network configuration (default true). */
  network?: boolean;
  /** Prefix for a static IPv4 without a Ganeti network; default 24. */
  defaultPrefix4?: number;
}

export function planGuestConfig(input: GuestConfigInput): GuestEntry[] {
  const { info, facts } = input;
  const entries: GuestEntry[] = [
    ...planHostname(info, input.hostnameStyle ? { style: input.hostnameStyle } : {}),
    ...planHosts(info),
    ...planMachineId(input.machineId),
    ...planRootPassword(input.rootPassword ?? { mode: 'locked' }),
  ];
  if (input.fstab) entries.push(...planFstab(input.fstab));
  if (input.network ?? true) {
    entries.push(
      ...planNetwork(info.nics, {
        stack: facts.network,
        systemdUnitDir: facts.systemdUnitDir,
        ...(input.defaultPrefix4 ? { defaultPrefix4: input.defaultPrefix4 } : {}),
      }),
    );
  }
  if (input.apt) entries.push(...planAptSources(input.apt));
  const device =
    input.serialConsole === false ? undefined : (input.serialConsole ?? serialConsoleDevice(info));
  if (device)
    entries.push(...planSerialConsole({ init: facts.init, systemdUnitDir: facts.systemdUnitDir, device }));
  if (input.authorizedKeys) entries.push(...planAuthorizedKeys(input.authorizedKeys));
  if (input.locale) entries.push(...planLocale({ locale: input.locale }));
  if (input.timezone) entries.push(...planTimezone(input.timezone));
  return entries;
}

export * from './types.js';
export { writeGuestFiles } from './writer.js';
export { readGuestFile, guestPathKind, resolveInGuest, targetRoot } from './guest-path.js';
export { detectGuest, type GuestFacts } from './detect.js';
export {
  planHostname,
  planHosts,
  guestNames,
  validateHostname,
  type GuestNames,
  type HostnameStyle,
} from './hostname.js';
export { planRename, renameGuest, renameInHosts } from './rename.js';
export { planFstab, renderFstab, type FstabEntry } from './fstab.js';
export {
  planNetwork,
  interfaceName,
  planNics,
  type NetworkStack,
  type NetworkOptions,
  type NicPlan,
} from './network/index.js';
export { planAptSources, usesDeb822, isReleasedSuite, type AptOptions } from './apt.js';
export { planSerialConsole, serialConsoleDevice } from './console.js';
export {
  planMachineId,
  newMachineId,
  generateSshHostKeys,
  makeSshHostKeys,
  type SshKeyType,
  type SshHostKeyOptions,
  type SshHostKeyPair,
} from './identity.js';
export { planRootPassword, hashPassword, planAuthorizedKeys, type RootPassword } from './accounts.js';
export { planLocale, planTimezone } from './locale.js';
export { describeEntries, type DescribeOptions } from './describe.js';
