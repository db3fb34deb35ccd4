import { describe, expect, it } from 'vitest';
import { GENERALIZE_REMOVE, isRotatedLog, planGeneralize } from './generalize-plan.js';

const file = (path: string, size = 10, mode = 0o100640) => ({ path, mode, uid: 0, gid: 4, size });

describe('planGeneralize', () => {
  it('empties machine-id, removes host keys, truncates logs and removes rotated ones', () => {
    const entries = planGeneralize({
      machineId: file('/etc/machine-id', 33, 0o100444),
      sshNames: ['sshd_config', 'ssh_host_rsa_key.pub', 'ssh_host_ed25519_key', 'moduli'],
      logs: [file('/var/log/syslog'), file('/var/log/syslog.1'), file('/var/log/empty', 0)],
    });
    expect(entries[0]).toEqual({
      kind: 'file',
      path: '/etc/machine-id',
      content: '',
      mode: 0o444,
      owner: { uid: 0, gid: 4 },
    });
    const removed = entries.filter((e) => e.kind === 'remove').map((e) => e.path);
    expect(removed).toEqual([
      ...GENERALIZE_REMOVE,
      '/etc/ssh/ssh_host_ed25519_key',
      '/etc/ssh/ssh_host_rsa_key.pub',
      '/var/log/syslog.1',
    ]);
    const truncated = entries.slice(1).filter((e) => e.kind === 'file');
    expect(truncated).toEqual([
      { kind: 'file', path: '/var/log/syslog', content: '', mode: 0o640, owner: { uid: 0, gid: 4 } },
    ]);
  });

  it('leaves an absent or already empty machine-id alone', () => {
    const none = planGeneralize({ machineId: undefined, sshNames: [], logs: [] });
    const empty = planGeneralize({ machineId: file('/etc/machine-id', 0), sshNames: [], logs: [] });
    expect(none.some((e) => e.path === '/etc/machine-id')).toBe(false);
    expect(empty.some((e) => e.path === '/etc/machine-id')).toBe(false);
  });

  it('tells rotated and journal files from live logs', () => {
    for (const p of [
      '/var/log/a.1',
      '/var/log/a.2.gz',
      '/var/log/journal/x/system.journal',
      '/var/log/a-20240101',
    ])
      expect(isRotatedLog(p), p).toBe(true);
    for (const p of ['/var/log/syslog', '/var/log/apt/history.log', '/var/log/wtmp'])
      expect(isRotatedLog(p), p).toBe(false);
  });
});
