import { describe, expect, it } from 'vitest';
import { parseFdinfoPos, parseProcIo, parseStatPpid } from './sample.js';

describe('/proc readings', () => {
  it('reads the offset of an fdinfo', () => {
    expect(parseFdinfoPos('pos:\t1048576\nflags:\t0100000\nmnt_id:\t29\n')).toBe(1048576);
    expect(parseFdinfoPos('flags:\t0100000\n')).toBeUndefined();
  });

  it('reads the bytes a process read and wrote', () => {
    const io = 'rchar: 4096\nwchar: 1048576\nsyscr: 3\nsyscw: 16\nread_bytes: 0\nwrite_bytes: 0\n';
    expect(parseProcIo(io)).toEqual({ read: 4096, written: 1048576 });
    expect(parseProcIo('')).toBeUndefined();
  });

  it('reads the parent pid, whatever the command name holds', () => {
    expect(parseStatPpid('4242 (tar) S 4200 4242 4200 0 -1 4194560 120 0')).toBe(4200);
    expect(parseStatPpid('17 (a (b) c) R 1 17 17 0')).toBe(1);
    expect(parseStatPpid('garbage')).toBeUndefined();
  });
});
