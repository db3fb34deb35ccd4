import { describe, expect, it } from 'vitest';
import { parseBundleRecord, planBundlePrune } from './bundle-files.js';

describe('bundle pruning', () => {
  it("keeps the previous install's chunks once, then removes them", () => {
    // First recorded install over an unrecorded one: nothing removed, its leftovers noted.
    const first = planBundlePrune(
      undefined,
      ['script.mjs', 'chunk-A.mjs', 'chunk-A.mjs.map'],
      ['script.mjs', 'chunk-B.mjs'],
    );
    expect(first.remove).toEqual([]);
    expect(first.record).toEqual({
      current: ['chunk-B.mjs', 'script.mjs'],
      previous: ['chunk-A.mjs', 'chunk-A.mjs.map'],
    });
    // The next install (new chunk C) removes A, keeps B for operations still running from it.
    const second = planBundlePrune(
      first.record,
      ['script.mjs', 'chunk-A.mjs', 'chunk-A.mjs.map', 'chunk-B.mjs'],
      ['script.mjs', 'chunk-C.mjs'],
    );
    expect(second.remove).toEqual(['chunk-A.mjs', 'chunk-A.mjs.map']);
    expect(second.record).toEqual({ current: ['chunk-C.mjs', 'script.mjs'], previous: ['chunk-B.mjs'] });
    // The same build again: nothing rotates (B is removed by the next build's install).
    const again = planBundlePrune(
      second.record,
      ['script.mjs', 'chunk-B.mjs', 'chunk-C.mjs'],
      ['script.mjs', 'chunk-C.mjs'],
    );
    expect(again.remove).toEqual([]);
    expect(again.record).toEqual(second.record);
  });

  it('never removes what this install writes, nor files that are not the bundle', () => {
    const plan = planBundlePrune(
      { current: ['script.mjs'], previous: ['chunk-A.mjs', 'script.mjs'] },
      ['script.mjs', 'chunk-A.mjs', 'bundle-files.json', 'notes.txt'],
      ['script.mjs', 'chunk-A.mjs'],
    );
    expect(plan.remove).toEqual([]);
  });

  it('reads a malformed or hostile record as none', () => {
    expect(parseBundleRecord(undefined)).toBeUndefined();
    expect(parseBundleRecord('{')).toBeUndefined();
    expect(parseBundleRecord('{"current": ["x.mjs"], "previous": ["../../etc/passwd.mjs"]}')).toBeUndefined();
    expect(parseBundleRecord('{"current": ["x.mjs"], "previous": ["share"]}')).toBeUndefined();
    expect(parseBundleRecord('{"current": ["x.mjs"], "previous": ["y.mjs"]}')).toEqual({
      current: ['x.mjs'],
      previous: ['y.mjs'],
    });
  });
});
