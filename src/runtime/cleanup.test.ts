import { describe, expect, it } from 'vitest';
import { CleanupStack } from './cleanup.js';
import { Logger, MemorySink } from './logger.js';

describe('CleanupStack', () => {
  it('unwinds newest first, each undo once, and survives failing undos', async () => {
    const sink = new MemorySink();
    const stack = new CleanupStack(new Logger('debug', sink));
    const order: string[] = [];
    stack.push('a', () => void order.push('a'));
    stack.push('b', () => {
      order.push('b');
      throw new Error('busy');
    });
    const c = stack.push('c', () => void order.push('c'));
    await c.release();
    await c.release();
    stack.push('d', async () => {
      await Promise.resolve();
      order.push('d');
    });
    const errors = await stack.unwind();
    expect(order).toEqual(['c', 'd', 'b', 'a']);
    expect(errors.map((e) => e.message)).toEqual(['busy']);
    expect(sink.lines).toContain('warn: cleanup of b failed: busy');
    expect(await stack.unwind()).toEqual([]);
    expect(stack.size).toBe(0);
  });

  it('dismiss drops an undo without running it; await using unwinds', async () => {
    const ran: string[] = [];
    {
      await using stack = new CleanupStack();
      stack.push('kept', () => void ran.push('kept')).dismiss();
      stack.push('run', () => void ran.push('run'));
    }
    expect(ran).toEqual(['run']);
  });
});

describe('Logger', () => {
  it('masks secrets everywhere, child loggers included, and honours levels', () => {
    const sink = new MemorySink();
    const log = new Logger('info', sink);
    log.redact('s3cret');
    log.child('[hook] ').info('password is s3cret');
    log.debug('hidden');
    log.error('error[E_X]: boom');
    expect(sink.lines).toEqual(['[hook] password is ***', 'error[E_X]: boom']);
    expect(Logger.levelFromDebug(0)).toBe('info');
    expect(Logger.levelFromDebug(1)).toBe('debug');
  });
});
