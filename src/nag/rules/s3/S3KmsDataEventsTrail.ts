import { LogBucketRole, logBucketRole } from '../../engine/bucket-model';
import { kmsBucket } from '../../engine/encrypted-bucket';
import { EncryptionRule, RuleResult, cannotResolve, compliant, nonCompliant, notApplicable } from '../../engine/rule';
import { asList, canonArn, resolveBool, show } from '../../engine/symbolic-values';
import { CfnResourceView, TemplateIndex, resolvedList } from '../../engine/template-index';
import { PrefixRelation, prefixRelation } from '../../engine/wildcard-matching';

/** Whether a trail's selectors cover the bucket; a value that cannot be resolved; why a selector does not cover it. */
type Coverage = { covers: boolean; unresolved?: string; why?: string[] };

/** How a literal prefix relates to every object ARN of the bucket (any of its equivalent ARN forms decides). */
function relation(p: string, bucketArns: string[]): PrefixRelation {
  const rels = bucketArns.map((a) => prefixRelation(canonArn(p), `${a}/`));
  if (rels.includes(PrefixRelation.COVERS_ALL)) return PrefixRelation.COVERS_ALL;
  if (rels.includes(PrefixRelation.COVERS_NONE)) return PrefixRelation.COVERS_NONE;
  return PrefixRelation.SOME_OR_UNKNOWN;
}

function basicCoverage(trail: CfnResourceView, arns: string[], index: TemplateIndex): Coverage {
  let unresolved: string | undefined;
  for (const sel of asList(trail.properties.EventSelectors) as any[]) {
    const rw = index.str(sel?.ReadWriteType ?? 'All');
    if (!rw.ok || !['All', 'WriteOnly'].includes(rw.value)) continue;
    for (const dr of asList(sel?.DataResources) as any[]) {
      const type = index.str(dr?.Type);
      if (!type.ok || type.value !== 'AWS::S3::Object') continue;
      // Basic selectors log the objects whose ARN starts with a value.
      const values = resolvedList(index, dr.Values);
      if (values.values.some((v) => relation(v, arns) === PrefixRelation.COVERS_ALL)) return { covers: true };
      unresolved = unresolved ?? values.unresolved;
    }
  }
  return { covers: false, unresolved };
}

const OPERATORS = ['Equals', 'StartsWith', 'EndsWith', 'NotEquals', 'NotStartsWith', 'NotEndsWith'] as const;

/**
 * Whether one field selector matches every write data event on every object
 * of the bucket: true, or why not. CloudTrail matches an event when it
 * satisfies the field selector; each operator is required here on its own
 * (a positive operator must match, a negated one must exclude nothing), which
 * proves a match whether CloudTrail combines operators by AND or by OR.
 * `known`: the field's value on every such event; for `resources.ARN` it is
 * undefined and the object ARNs (`<bucket ARN>/<any key>`) are reasoned about.
 */
function fieldMatchesAll(field: string, f: any, known: string | undefined, arns: string[], index: TemplateIndex): true | string {
  for (const op of OPERATORS) {
    if (f[op] === undefined) continue;
    const list = resolvedList(index, f[op]);
    if (list.unresolved) return `${field} ${op}: ${list.unresolved}`;
    const values = list.values;
    if (known !== undefined) {
      const hits = {
        Equals: values.includes(known),
        StartsWith: values.some((v) => known.startsWith(v)),
        EndsWith: values.some((v) => known.endsWith(v)),
        NotEquals: !values.includes(known),
        NotStartsWith: !values.some((v) => known.startsWith(v)),
        NotEndsWith: !values.some((v) => known.endsWith(v)),
      }[op];
      if (!hits) return `${field} ${op} ${values.join(', ')} does not match ${known}`;
      continue;
    }
    // resources.ARN over every object of the bucket.
    const rel = values.map((v) => relation(v, arns));
    const ok = {
      Equals: false, // an exact ARN never matches every object
      StartsWith: rel.includes(PrefixRelation.COVERS_ALL),
      EndsWith: false,
      // An exact ARN excludes an object only if it starts with the bucket's object prefix (a shorter one is no object).
      NotEquals: values.every((v, i) => rel[i] === PrefixRelation.COVERS_NONE || (rel[i] === PrefixRelation.COVERS_ALL && !arns.some((a) => canonArn(v) === `${a}/`))),
      NotStartsWith: rel.every((r) => r === PrefixRelation.COVERS_NONE),
      NotEndsWith: false, // some object key ends with any suffix
    }[op];
    if (!ok) return `resources.ARN ${op} ${values.join(', ')} does not select every object of the bucket`;
  }
  return true;
}

/** The fields a data-event selector may use, and their value on every write data event of an object. */
const WRITE_EVENT: Record<string, string | undefined> = {
  'eventCategory': 'Data',
  'resources.type': 'AWS::S3::Object',
  'readOnly': 'false',
  'eventSource': 's3.amazonaws.com',
  'resources.ARN': undefined,
};

function advancedCoverage(trail: CfnResourceView, arns: string[], index: TemplateIndex): Coverage {
  const why: string[] = [];
  let unresolved: string | undefined;
  for (const sel of asList(trail.properties.AdvancedEventSelectors) as any[]) {
    const fields = asList(sel?.FieldSelectors) as any[];
    const seen = new Set<string>();
    let problem: string | undefined;
    let unresolvedField: string | undefined;
    for (const f of fields) {
      const name = index.str(f?.Field);
      if (!name.ok) { unresolvedField = `a field name: ${name.reason}`; break; }
      seen.add(name.value);
      if (!(name.value in WRITE_EVENT)) { problem = `its ${name.value} field selects only some events`; break; }
      const list = OPERATORS.map((op) => f[op] === undefined ? undefined : resolvedList(index, f[op]).unresolved).find((u) => u !== undefined);
      if (list) { unresolvedField = `${name.value}: ${list}`; break; }
      const r = fieldMatchesAll(name.value, f, WRITE_EVENT[name.value], arns, index);
      if (r !== true) { problem = r; break; }
    }
    if (unresolvedField) { unresolved = unresolved ?? unresolvedField; continue; }
    if (!problem && !seen.has('eventCategory')) problem = 'it has no eventCategory field';
    if (!problem && !seen.has('resources.type')) problem = 'it has no resources.type field';
    if (!problem) return { covers: true };
    const name = index.str(sel?.Name);
    why.push(`trail ${trail.logicalId} selector ${name.ok ? `'${name.value}'` : '(unnamed)'}: ${problem}`);
  }
  return { covers: false, unresolved, why };
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
  evaluate: kmsBucket(({ resource: bucket }, index): RuleResult => {
    if (logBucketRole(bucket, index) === LogBucketRole.TRAIL_LOG_BUCKET) return notApplicable('the log bucket of a trail');
    const arns = index.bucketArns(bucket);
    const problems: string[] = [];
    const why: string[] = [];
    let unresolved: string | undefined;
    for (const trail of index.ofType('AWS::CloudTrail::Trail')) {
      if (trail.unresolvable) { unresolved = unresolved ?? `trail ${trail.logicalId}: ${trail.unresolvable}`; continue; }
      if (trail.condition !== undefined && trail.condition !== bucket.condition) {
        unresolved = unresolved ?? `trail ${trail.logicalId} exists only when the CloudFormation condition ${trail.condition} holds, so it is no proof`;
        continue;
      }
      const basic = basicCoverage(trail, arns, index);
      const adv = advancedCoverage(trail, arns, index);
      if (!basic.covers && !adv.covers) {
        const u = basic.unresolved ?? adv.unresolved;
        if (u) unresolved = unresolved ?? `data-event selectors of trail ${trail.logicalId}: ${u}`;
        why.push(...adv.why ?? []);
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
    return nonCompliant(`no CloudTrail trail in this template records the bucket's S3 data events (writes)${why.length > 0 ? ` (${why.join('; ')})` : ''}`);
  }),
};
