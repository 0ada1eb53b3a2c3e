// ACL administration, as Kafka's admin client does it: CreateAcls, DescribeAcls and DeleteAcls
// (v1+: pattern types) to any broker; each binding's or filter's error is thrown with the
// broker's message.
import { CreateAclsApi } from '../protocol/generated/create-acls.js';
import { DescribeAclsApi } from '../protocol/generated/describe-acls.js';
import { DeleteAclsApi } from '../protocol/generated/delete-acls.js';
import { check } from '../protocol/errors.js';
import type { AclBinding, AclBindingFilter } from '../security/acl.js';
import type { Cluster } from './cluster.js';

export async function createAcls(cluster: Cluster, bindings: AclBinding[]): Promise<void> {
  const c = await cluster.any();
  const res = await c.send(CreateAclsApi, c.version(CreateAclsApi, 1, 3), {
    creations: bindings.map(({ pattern: p, entry: e }) => ({
      resourceType: p.resourceType, resourceName: p.name, resourcePatternType: p.patternType,
      principal: e.principal, host: e.host, operation: e.operation, permissionType: e.permission,
    })),
  });
  res.results.forEach((r, i) => check(r.errorCode, `creating ACL ${i + 1} of ${bindings.length}`, r.errorMessage));
}

export async function describeAcls(cluster: Cluster, filter: AclBindingFilter): Promise<AclBinding[]> {
  const c = await cluster.any();
  const res = await c.send(DescribeAclsApi, c.version(DescribeAclsApi, 1, 3), {
    resourceTypeFilter: filter.resourceType, resourceNameFilter: filter.name, patternTypeFilter: filter.patternType,
    principalFilter: filter.principal, hostFilter: filter.host, operation: filter.operation, permissionType: filter.permission,
  });
  check(res.errorCode, 'describing ACLs', res.errorMessage);
  return res.resources.flatMap((r) => r.acls.map((a) => ({
    pattern: { resourceType: r.resourceType, name: r.resourceName, patternType: r.patternType },
    entry: { principal: a.principal, host: a.host, operation: a.operation, permission: a.permissionType },
  })));
}

/** Deletes what the filters match; returns the bindings deleted. */
export async function deleteAcls(cluster: Cluster, filters: AclBindingFilter[]): Promise<AclBinding[]> {
  const c = await cluster.any();
  const res = await c.send(DeleteAclsApi, c.version(DeleteAclsApi, 1, 3), {
    filters: filters.map((f) => ({
      resourceTypeFilter: f.resourceType, resourceNameFilter: f.name, patternTypeFilter: f.patternType,
      principalFilter: f.principal, hostFilter: f.host, operation: f.operation, permissionType: f.permission,
    })),
  });
  return res.filterResults.flatMap((r) => {
    check(r.errorCode, 'deleting ACLs', r.errorMessage);
    return r.matchingAcls.map((m) => {
      check(m.errorCode, 'deleting an ACL', m.errorMessage);
      return {
        pattern: { resourceType: m.resourceType, name: m.resourceName, patternType: m.patternType },
        entry: { principal: m.principal, host: m.host, operation: m.operation, permission: m.permissionType },
      };
    });
  });
}
