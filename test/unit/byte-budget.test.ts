import { describe, expect, it } from 'vitest';
import { ByteBudget } from '../../src/main/jobs/byte-budget';

const MiB = 2 ** 20;
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('ByteBudget', () => {
  it('lets files in while their bytes fit, and holds the next until enough are released', async () => {
    const budget = new ByteBudget(100 * MiB);
    const first = await budget.acquire(60 * MiB);
    const second = await budget.acquire(30 * MiB);
    let third: number | null = null;
    void budget.acquire(20 * MiB).then((held) => (third = held));
    await settled();
    expect(third).toBeNull();
    budget.release(second);
    await settled();
    expect(third).toBe(20 * MiB);
    budget.release(first);
  });

  it('runs a file larger than the whole budget alone, and keeps the order of arrival', async () => {
    const budget = new ByteBudget(100 * MiB);
    const small = await budget.acquire(10 * MiB);
    const order: string[] = [];
    const huge = budget.acquire(4096 * MiB).then((held) => (order.push('huge'), held));
    const later = budget.acquire(1 * MiB).then((held) => (order.push('later'), held));
    await settled();
    expect(order).toEqual([]); // the small one does not overtake the huge one waiting ahead of it
    budget.release(small);
    expect(await huge).toBe(100 * MiB);
    await settled();
    expect(order).toEqual(['huge']);
    budget.release(100 * MiB);
    expect(await later).toBe(1 * MiB);
    expect(order).toEqual(['huge', 'later']);
  });

  it('gives up waiting when the import is cancelled, and lets the next waiter in', async () => {
    const budget = new ByteBudget(10);
    const held = await budget.acquire(8);
    const controller = new AbortController();
    const cancelled = budget.acquire(5, controller.signal);
    const next = budget.acquire(2);
    controller.abort(new Error('cancelled'));
    await expect(cancelled).rejects.toThrow('cancelled');
    expect(await next).toBe(2);
    budget.release(held);
  });
});
