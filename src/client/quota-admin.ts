// Client quota administration (KIP-546), as Kafka's admin client and kafka-configs.sh do it:
// DescribeClientQuotas and AlterClientQuotas to any broker.
import { DescribeClientQuotasApi } from '../protocol/generated/describe-client-quotas.js';
import { AlterClientQuotasApi } from '../protocol/generated/alter-client-quotas.js';
import { check } from '../protocol/errors.js';
import type { Cluster } from './cluster.js';

/** Entity type -> name (null: the <default> entity). */
export type Entity = Record<string, string | null>;

export interface FilterComponent {
  entityType: string;
  /** 0 EXACT (match names it), 1 DEFAULT, 2 ANY. */
  matchType: number;
  match: string | null;
}

interface QuotaEntry {
  entity: Entity;
  values: Record<string, number>;
}

export async function describeClientQuotas(cluster: Cluster, components: FilterComponent[], strict: boolean): Promise<QuotaEntry[]> {
  const c = await cluster.any();
  const res = await c.send(DescribeClientQuotasApi, c.version(DescribeClientQuotasApi, 0, 1), { components, strict });
  check(res.errorCode, 'describing client quotas', res.errorMessage);
  return (res.entries ?? []).map((e) => ({
    entity: Object.fromEntries(e.entity.map((x) => [x.entityType, x.entityName])),
    values: Object.fromEntries(e.values.map((v) => [v.key, v.value])),
  }));
}

/** Sets `set` and removes `remove` of one entity's quotas. */
export async function alterClientQuotas(cluster: Cluster, entity: Entity, set: Record<string, number>, remove: string[]): Promise<void> {
  const c = await cluster.any();
  const res = await c.send(AlterClientQuotasApi, c.version(AlterClientQuotasApi, 0, 1), {
    entries: [{
      entity: Object.entries(entity).map(([entityType, entityName]) => ({ entityType, entityName })),
      ops: [...Object.entries(set).map(([key, value]) => ({ key, value, remove: false })), ...remove.map((key) => ({ key, value: 0, remove: true }))],
    }],
    validateOnly: false,
  });
  for (const r of res.entries) check(r.errorCode, 'altering client quotas', r.errorMessage);
}
