// Group rules that depend only on the group's data: protocol support and selection.
import { describe, expect, it } from 'vitest';
import { Group, Member } from '../../../src/group/group.js';

const member = (id: string, protocols: string[], type = 'consumer') =>
  new Member(id, null, 'client', '/127.0.0.1', 1000, 1000, type, protocols.map((name) => ({ name, metadata: Buffer.from(name) })));

describe('Group', () => {
  it('selects the protocol all members support that gets the most first-choice votes', () => {
    const g = new Group('g');
    g.add(member('a', ['range', 'roundrobin']));
    g.add(member('b', ['roundrobin', 'range']));
    g.add(member('c', ['roundrobin', 'sticky']));
    expect([...g.candidateProtocols()]).toEqual(['roundrobin']);
    expect(g.selectProtocol()).toBe('roundrobin');
    const h = new Group('h');
    h.add(member('a', ['range', 'roundrobin']));
    h.add(member('b', ['range', 'roundrobin']));
    h.add(member('c', ['roundrobin', 'range']));
    expect(h.selectProtocol()).toBe('range');
  });

  it('accepts a joiner only with the same protocol type and a protocol in common', () => {
    const g = new Group('g');
    expect(g.supports('consumer', [])).toBe(false);
    expect(g.supports('', [{ name: 'range', metadata: Buffer.alloc(0) }])).toBe(false);
    g.add(member('a', ['range', 'roundrobin']));
    expect(g.supports('connect', [{ name: 'range', metadata: Buffer.alloc(0) }])).toBe(false);
    expect(g.supports('consumer', [{ name: 'RoundRobinAssigner', metadata: Buffer.alloc(0) }])).toBe(false);
    expect(g.supports('consumer', [{ name: 'roundrobin', metadata: Buffer.alloc(0) }])).toBe(true);
  });

  it('the first member leads; when the leader leaves another member leads', () => {
    const g = new Group('g');
    g.add(member('a', ['range']));
    g.add(member('b', ['range']));
    expect(g.leaderId).toBe('a');
    g.remove('a');
    expect(g.leaderId).toBe('b');
    g.remove('b');
    expect(g.leaderId).toBeNull();
  });

  it('refuses transitions Kafka does not allow', () => {
    const g = new Group('g');
    expect(() => g.transition('Stable')).toThrow(/illegal transition Empty → Stable/);
    g.transition('PreparingRebalance');
    g.transition('CompletingRebalance');
    g.transition('Stable');
    expect(g.state).toBe('Stable');
  });
});
