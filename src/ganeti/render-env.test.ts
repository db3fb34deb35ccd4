import { describe, expect, it } from 'vitest';
import { loadEnv } from './__fixtures__/load.js';
import { parseScriptEnv } from './env.js';
import { backendTypeString, renderGanetiEnv } from './render-env.js';
import type { ScriptName } from './types.js';

/** PATH is the process's search path, not part of the typed environment. */
function withoutPath(env: Record<string, string>): Record<string, string> {
  const { PATH: _path, ...rest } = env;
  return rest;
}

function roundTrip(script: ScriptName, env: Record<string, string>): void {
  const parsed = parseScriptEnv(script, env);
  const rendered = renderGanetiEnv(parsed);
  expect(parseScriptEnv(script, rendered)).toEqual(parsed);
}

const rich = {
  INSTANCE_REINSTALL: '1',
  DISK_0_NAME: 'root',
  DISK_0_URI: 'rbd:pool/disk0',
  DISK_0_FRONTEND_TYPE: 'virtio',
  DISK_1_BACKEND_TYPE: 'block',
  INSTANCE_HV_kernel_path: '/boot/vmlinuz',
  NIC_COUNT: '2',
  NIC_0_IP: '192.0.2.10',
  NIC_0_NAME: 'front',
  NIC_0_FRONTEND_TYPE: 'virtio',
  NIC_0_NETWORK_NAME: 'net1',
  NIC_0_NETWORK_UUID: 'u1',
  NIC_0_NETWORK_TAGS: 'a b',
  NIC_0_NETWORK_SUBNET: '192.0.2.0/24',
  NIC_0_NETWORK_GATEWAY: '192.0.2.1',
  NIC_0_NETWORK_SUBNET6: '2001:db8::/64',
  NIC_0_NETWORK_GATEWAY6: '2001:db8::1',
  NIC_0_NETWORK_MAC_PREFIX: 'aa:00:00',
  NIC_1_MAC: 'aa:00:00:00:00:02',
  NIC_1_UUID: 'n1',
  NIC_1_MODE: 'routed',
  NIC_1_IP: '2001:db8::5',
  OSP_DNS_SERVER: '192.0.2.53',
};

describe('renderGanetiEnv, the inverse of parseScriptEnv', () => {
  it('renders exactly the variables of the captured Ganeti 3.0 environments', () => {
    const create = loadEnv('ganeti-3.0-create.env');
    expect(renderGanetiEnv(parseScriptEnv('create', create))).toEqual(withoutPath(create));
    const verify = loadEnv('ganeti-3.0-verify.env');
    expect(renderGanetiEnv(parseScriptEnv('verify', verify))).toEqual(withoutPath(verify));
  });

  it('parse -> render -> parse is the identity, for every script', () => {
    roundTrip('verify', loadEnv('ganeti-3.0-verify.env'));
    roundTrip('create', loadEnv('ganeti-3.0-create.env'));
    roundTrip('create', loadEnv('ganeti-3.0-create.env', rich));
    roundTrip('rename', loadEnv('ganeti-3.0-create.env', { ...rich, OLD_INSTANCE_NAME: 'env0' }));
    const stream = { DISK_1_PATH: '/dev/y', EXP_SIZE_FD: '11' };
    roundTrip(
      'export',
      loadEnv('ganeti-3.0-create.env', {
        ...stream,
        EXPORT_INDEX: '1',
        EXPORT_DEVICE: '/dev/x',
        EXPORT_DISK_PATH: '/dev/y',
      }),
    );
    roundTrip(
      'import',
      loadEnv('ganeti-3.0-create.env', {
        ...stream,
        IMPORT_INDEX: '0',
        IMPORT_DEVICE: '/dev/x',
        IMPORT_DISK_URI: 'u',
      }),
    );
  });

  it('keeps every variable of a rich environment', () => {
    const env = loadEnv('ganeti-3.0-create.env', rich);
    const rendered = renderGanetiEnv(parseScriptEnv('create', env));
    expect(rendered).toEqual(withoutPath(env));
  });

  it('drops empty OSP_* values, which Ganeti treats as absent', () => {
    const rendered = renderGanetiEnv(
      parseScriptEnv('verify', loadEnv('ganeti-3.0-verify.env', { OSP_EMPTY: '' })),
    );
    expect(rendered).not.toHaveProperty('OSP_EMPTY');
  });

  it('writes backend types as DISK_<i>_BACKEND_TYPE does', () => {
    expect(backendTypeString({ kind: 'block' })).toBe('block');
    expect(backendTypeString({ kind: 'file', driver: 'loop' })).toBe('file:loop');
    expect(backendTypeString({ kind: 'other', raw: 'weird' })).toBe('weird');
  });
});
