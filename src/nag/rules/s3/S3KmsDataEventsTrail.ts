import { LogBucketRole, bucketEncryption, isKmsMode, logBucketRole } from '../../engine/bucket-model';
import { EncryptionRule, RuleResult, cannotResolve, compliant, nonCompliant, notApplicable } from '../../engine/rule';
import { CfnResourceView, TemplateIndex, resolvedList } from '../../engine/template-index';
import { asList, canonArn, resolveBool, show } from '../../engine/values';

type Coverage = { covers: boolean; unresolved?: string };

/** Whether a data-resource prefix (`arn:aws:s3:::bucket/`, `arn:aws:s3`, ...) covers every object of the bucket. */
function prefixCovers(prefix: string, bucketArns: string[]): boolean {
  const p = canonArn(prefix);
  return bucketArns.some((a) => `${a}/`.startsWith(p) || p === a);
}

function basicCoverage(trail: CfnResourceView, arns: string[], index: TemplateIndex): Coverage {
  let unresolved: string | undefined;
  for (const sel of asList(trail.properties.EventSelectors) as any[]) {
    const rw = index.str(sel?.ReadWriteType ?? 'All');
    if (!rw.ok || rw.value === 'ReadOnly') continue;
    for (const dr of asList(sel?.DataResources) as any[]) {
      const type = index.str(dr?.Type);
      if (!type.ok || type.value !== 'AWS::S3::Object') continue;
      const values = resolvedList(index, dr.Values);
      if (values.values.some((v) => prefixCovers(v, arns))) return { covers: true };
      unresolved = unresolved ?? values.unresolved;
    }
  }
  return { covers: false, unresolved };
}

function advancedCoverage(trail: CfnResourceView, arns: string[], index: TemplateIndex): Coverage {
  let unresolved: string | undefined;
  for (const sel of asList(trail.properties.AdvancedEventSelectors) as any[]) {
    const fields = asList(sel?.FieldSelectors) as any[];
    let data = false; let objects = false; let writes = true; let arnOk: boolean | undefined; let other = false;
    for (const f of fields) {
      const name = index.str(f?.Field);
      if (!name.ok) { unresolved = unresolved ?? name.reason; other = true; continue; }
      const eq = resolvedList(index, f.Equals);
      const sw = resolvedList(index, f.StartsWith);
      const restricting = ['NotEquals', 'NotStartsWith', 'EndsWith', 'NotEndsWith'].some((k) => f[k] !== undefined);
      switch (name.value) {
        case 'eventCategory': data = eq.values.includes('Data'); break;
        case 'resources.type': objects = eq.values.includes('AWS::S3::Object'); break;
        case 'readOnly': writes = !eq.values.includes('true'); break;
        case 'resources.ARN':
          if (restricting) { other = true; break; }
          arnOk = sw.values.some((v) => prefixCovers(v, arns)) || eq.values.some((v) => arns.includes(canonArn(v)));
          if (!arnOk) unresolved = unresolved ?? sw.unresolved ?? eq.unresolved;
          break;
        default: other = true; // eventName, eventSource, ...: a partial selection
      }
    }
    if (data && objects && writes && !other && arnOk !== false) return { covers: true };
  }
  return { covers: false, unresolved };
}

/**
 * A KMS-mode bucket's object-level API calls are recorded by a CloudTrail
 * trail of the same template (basic or advanced data-event selectors,
 * writes at least), and that trail validates log files and encrypts them
 * with KMS. A trail's own log bucket is exempt (recording it would loop).
 */
export const S3KmsDataEventsTrail: EncryptionRule = {
  name: 'S3KmsDataEventsTrail',
  finding: 'The KMS-encrypted S3 bucket is not covered by the data-event selectors of a logging, validated, KMS-encrypted CloudTrail trail in the same template.',
  fix: 'Record the bucket\'s S3 data events on a trail with EnableLogFileValidation: true and a KMSKeyId (EncryptionAuditTrail.of(stack).recordDataEvents(bucket, DataEvents.ALL); SecureBucket does this in KMS modes).',
  evaluate(bucket, index): RuleResult {
    if (bucket.type !== 'AWS::S3::Bucket') return notApplicable();
    const enc = bucketEncryption(bucket, index);
    if (enc.unresolved) return cannotResolve(enc.unresolved);
    if (!isKmsMode(enc.mode)) return notApplicable();
    if (logBucketRole(bucket, index) === LogBucketRole.TRAIL_LOG_BUCKET) return notApplicable('the log bucket of a trail');
    const arns = index.bucketArns(bucket);
    const problems: string[] = [];
    let unresolved: string | undefined;
    for (const trail of index.ofType('AWS::CloudTrail::Trail')) {
      if (trail.unresolvable) { unresolved = unresolved ?? `trail ${trail.logicalId}: ${trail.unresolvable}`; continue; }
      const basic = basicCoverage(trail, arns, index);
      const adv = advancedCoverage(trail, arns, index);
      if (!basic.covers && !adv.covers) {
        const u = basic.unresolved ?? adv.unresolved;
        if (u) unresolved = unresolved ?? `data-event selectors of trail ${trail.logicalId}: ${u}`;
        continue;
      }
      const logging = resolveBool(trail.properties.IsLogging, index);
      const validation = resolveBool(trail.properties.EnableLogFileValidation, index);
      const kms = trail.properties.KMSKeyId;
      const gaps: string[] = [];
      if (!logging.ok) { unresolved = unresolved ?? `IsLogging of trail ${trail.logicalId}: ${logging.reason}`; continue; }
      if (!validation.ok) { unresolved = unresolved ?? `EnableLogFileValidation of trail ${trail.logicalId}: ${validation.reason}`; continue; }
      if (!logging.value) gaps.push('IsLogging is not true');
      if (!validation.value) gaps.push('EnableLogFileValidation is not true');
      if (kms === undefined || kms === '') {gaps.push('no KMSKeyId');} else if (!index.str(kms).ok) { unresolved = unresolved ?? `KMSKeyId of trail ${trail.logicalId}: ${show(kms)}`; continue; }
      if (gaps.length === 0) return compliant();
      problems.push(`trail ${trail.logicalId} records it, but: ${gaps.join(', ')}`);
    }
    if (problems.length > 0) return nonCompliant(problems.join('; '));
    if (unresolved) return cannotResolve(unresolved);
    return nonCompliant('no CloudTrail trail in this template records the bucket\'s S3 data events (writes)');
  },
};
