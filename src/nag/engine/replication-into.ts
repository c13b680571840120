import { resolveKey } from './bucket-model';
import { asList, canonArn, show } from './symbolic-values';
import { CfnResourceView, TemplateIndex } from './template-index';

/** A replication rule of another bucket of the template whose destination is a given bucket. */
export interface ReplicationInto {
  /** The source bucket. */
  readonly source: CfnResourceView;
  /** The rule's Id, or its position. */
  readonly rule: string;
  /** `Destination.EncryptionConfiguration.ReplicaKmsKeyID` as written; undefined when absent. */
  readonly replicaKey: unknown;
}

/**
 * The replication rules of the other buckets of the template that write into
 * `bucket` (their `Destination.Bucket` resolves to its ARN), except those
 * plainly `Disabled`. S3 writes replicas with the replication role, not with
 * PutObject, so the bucket policy's upload denials do not apply to them: a
 * replica is encrypted with the rule's ReplicaKmsKeyID, or (without one) as
 * its source object was.
 */
export function replicationsInto(bucket: CfnResourceView, index: TemplateIndex): ReplicationInto[] {
  const arns = index.bucketArns(bucket);
  const out: ReplicationInto[] = [];
  for (const source of index.ofType('AWS::S3::Bucket')) {
    if (source === bucket) continue;
    asList((source.properties.ReplicationConfiguration as any)?.Rules).forEach((rule: any, i) => {
      const dest = index.str(rule?.Destination?.Bucket);
      if (!dest.ok || !arns.includes(canonArn(dest.value))) return;
      const status = index.str(rule?.Status);
      if (status.ok && status.value === 'Disabled') return;
      out.push({ source, rule: typeof rule?.Id === 'string' ? rule.Id : `#${i}`, replicaKey: rule?.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID });
    });
  }
  return out;
}

/**
 * Why replicas written by `r` are not encrypted with the bucket's key
 * `kmsKeyId` (its `KMSMasterKeyID`), or undefined when they are: the replica
 * key must be the same key of the template, or the same literal key ARN.
 * `definite: false` when the replica key cannot be resolved.
 */
export function replicaKeyProblem(r: ReplicationInto, kmsKeyId: unknown, index: TemplateIndex): { definite: boolean; reason: string } | undefined {
  const where = `objects replicated into the bucket by ${r.source.logicalId} (rule ${r.rule})`;
  if (r.replicaKey === undefined) {
    return { definite: true, reason: `${where} name no ReplicaKmsKeyID, so they keep their source encryption (SSE-S3 or the source's key), not the bucket's key` };
  }
  const replica = resolveKey(r.replicaKey, index);
  if (replica.unresolved) return { definite: false, reason: `${where}: ${replica.unresolved}` };
  const own = resolveKey(kmsKeyId, index);
  const sameTemplateKey = replica.key !== undefined && replica.key === own.key;
  const sameLiteralKey = replica.external !== undefined && own.external !== undefined && !replica.awsManaged
    && canonArn(replica.external) === canonArn(own.external) && /^arn:[^:]*:kms:[^:]*:[^:]*:key\//.test(canonArn(own.external));
  if (replica.alias === undefined && own.alias === undefined && (sameTemplateKey || sameLiteralKey)) return undefined;
  return { definite: true, reason: `${where} are encrypted with ${show(r.replicaKey)}, not with the bucket's key ${show(kmsKeyId)}` };
}
