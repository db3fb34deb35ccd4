/**
 * Guest configuration: planners (pure, return entries) and the one safe writer. `planGuestConfig`
 * gathers the usual planners for a fresh install; executors that need tools (ssh host keys,
 * password hashing) are separate calls.
 */
import { planRootPassword, planAuthorizedKeys, type RootPassword } from './accounts.js';
import { planSerialConsole, serialConsoleDevice } from './console.js';
import type { GuestFacts } from './detect.js';
import type { FstabEntry } from '../disk/fstab.js';
import { planFstab } from './fstab.js';
import { planHostname, planHosts, type HostnameStyle } from './hostname.js';
import { planMachineId } from './identity.js';
import { planLocale, planTimezone } from './locale.js';
import { planNetwork } from './network/index.js';
import type { GuestStep } from './family.js';
import type { GuestEntry, GuestInstance } from './types.js';

export interface GuestConfigInput {
  info: GuestInstance;
  facts: GuestFacts;
  /** A fresh id per instance (newMachineId()). */
  machineId: string;
  fstab?: readonly FstabEntry[];
  /** The family's own files (apt sources), written with the rest. */
  familyEntries?: readonly GuestEntry[];
  /** Shared steps the guest does itself. */
  skip?: readonly GuestStep[];
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
  const runs = (step: GuestStep): boolean => !(input.skip ?? []).includes(step);
  const entries: GuestEntry[] = [];
  if (runs('hostname'))
    entries.push(
      ...planHostname(info, input.hostnameStyle ? { style: input.hostnameStyle } : {}),
      ...planHosts(info),
    );
  if (runs('identity')) entries.push(...planMachineId(input.machineId));
  if (runs('accounts')) entries.push(...planRootPassword(input.rootPassword ?? { mode: 'locked' }));
  if (input.fstab && runs('fstab')) entries.push(...planFstab(input.fstab));
  if ((input.network ?? true) && runs('network')) {
    entries.push(
      ...planNetwork(info.nics, {
        stack: facts.network,
        systemdUnitDir: facts.systemdUnitDir,
        ...(input.defaultPrefix4 ? { defaultPrefix4: input.defaultPrefix4 } : {}),
      }),
    );
  }
  if (input.familyEntries) entries.push(...input.familyEntries);
  const device =
    input.serialConsole === false ? undefined : (input.serialConsole ?? serialConsoleDevice(info));
  if (device && runs('console'))
    entries.push(...planSerialConsole({ init: facts.init, systemdUnitDir: facts.systemdUnitDir, device }));
  if (input.authorizedKeys && runs('accounts')) entries.push(...planAuthorizedKeys(input.authorizedKeys));
  if (input.locale && runs('locale')) entries.push(...planLocale({ locale: input.locale }));
  if (input.timezone && runs('locale')) entries.push(...planTimezone(input.timezone));
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
export { planFstab, renderFstab } from './fstab.js';
export {
  planNetwork,
  interfaceName,
  planNics,
  type NetworkStack,
  type NetworkOptions,
  type NicPlan,
} from './network/index.js';
export { planAptSources, usesDeb822, isReleasedSuite, type AptOptions } from './debian/apt.js';
export { debianFamily } from './debian/family.js';
export {
  LINUX_FAMILY,
  GUEST_STEPS,
  runsStep,
  type GuestFamily,
  type GuestPolicy,
  type GuestStep,
  type GuestCommand,
} from './family.js';
export { readOldHostKeys, restoreHostKeys, type SavedKey } from './host-keys.js';
export { refreshNetwork } from './network/refresh.js';
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
