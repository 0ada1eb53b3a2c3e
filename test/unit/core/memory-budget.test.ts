import { describe, expect, it } from 'vitest';
import { MemoryBudget } from '../../../src/core/index.js';

describe('memory budget', () => {
  it('counts what is taken and given, its peak, and when it is exhausted', () => {
    const budget = new MemoryBudget(100);
    budget.take(60);
    expect(budget.exhausted).toBe(false);
    budget.take(50); // soft: what arrives is taken
    expect(budget.exhausted).toBe(true);
    budget.give(30);
    expect([budget.used, budget.peak, budget.exhausted]).toEqual([80, 110, false]);
  });

  it('wakes waiters once it is no longer exhausted, and only then', async () => {
    const budget = new MemoryBudget(100);
    budget.take(100);
    let woken = 0;
    budget.onRelief(() => woken++);
    const cancelled = budget.onRelief(() => woken += 100);
    cancelled();
    budget.give(0);
    expect(woken).toBe(0);
    budget.give(1);
    expect(woken).toBe(1);
    budget.take(1);
    budget.give(1);
    expect(woken).toBe(1); // a listener is called once
  });

  it('acquire waits for room, takes it, and gives up at its deadline without taking', async () => {
    const budget = new MemoryBudget(100);
    budget.take(100);
    const late = budget.acquire(10, Date.now() + 30);
    expect(await late).toBe(false);
    expect(budget.used).toBe(100);
    const waiting = budget.acquire(10, Date.now() + 5_000);
    setTimeout(() => budget.give(50), 10);
    expect(await waiting).toBe(true);
    expect(budget.used).toBe(60);
    expect(await budget.acquire(5, Date.now())).toBe(true);
    expect(budget.used).toBe(65);
  });
});
