import * as path from 'path';
import { LoadedTemplate } from './load';
import { HOMEPAGE, RULES_DOC, VERSION, helpUri } from './package-info';
import { Finding, isFailure } from '../nag/engine/evaluate';
import { EnginePolicy } from '../nag/engine/policy';
import { isBucketType } from '../nag/engine/resource-types';
import { ruleId } from '../nag/engine/rule';
import { ALL_RULES } from '../nag/rules';

/** A result of `check`: the engine's, and the acknowledgement that accepts it, if one does. */
export interface CheckedFinding extends Finding {
  readonly acknowledgement?: { readonly reason: string; readonly source: string; readonly kind: 'inSource' | 'external' };
}

/** The results of one template. */
export interface TemplateResult {
  readonly loaded: LoadedTemplate;
  /** Every applicable (rule, resource) result. */
  readonly results: CheckedFinding[];
}

/** A failure no acknowledgement accepts: it fails the run. */
export function isOpen(f: CheckedFinding): boolean {
  return isFailure(f) && f.acknowledgement === undefined;
}

/** A failure an acknowledgement accepts: reported apart, it does not fail the run. */
export function isAcknowledged(f: CheckedFinding): boolean {
  return isFailure(f) && f.acknowledgement !== undefined;
}

export const TOOL_NAME = 'cdk-secure-bucket';
/** The README section on the command. */
const INFO_URI = `${HOMEPAGE}/blob/main/${RULES_DOC}#in-the-pipeline-cdk-secure-bucket-check`;

/** The CDK construct path of a resource: its `aws:cdk:path` metadata, or the assembly's logical id metadata. */
export function cdkPath(t: LoadedTemplate, logicalId: string): string | undefined {
  const p = t.template.Resources?.[logicalId]?.Metadata?.['aws:cdk:path'];
  return typeof p === 'string' ? p : t.cdkPaths?.get(logicalId);
}

function message(f: Finding): string {
  return f.detail ? `${f.finding} ${f.detail[0].toUpperCase()}${f.detail.slice(1)}.` : f.finding;
}

/** Terminal text: grouped by stack, then resource, each finding with its fix. */
export function formatText(results: TemplateResult[]): string {
  const lines: string[] = [];
  for (const { loaded, results: rs } of results) {
    const failed = rs.filter(isOpen);
    if (failed.length === 0) continue;
    lines.push(`${loaded.stack}  (${loaded.file})`);
    const byResource = new Map<string, Finding[]>();
    for (const f of failed) byResource.set(f.logicalId, [...(byResource.get(f.logicalId) ?? []), f]);
    for (const [logicalId, fs] of byResource) {
      const p = cdkPath(loaded, logicalId);
      lines.push(`  ${logicalId} (${fs[0].resourceType})${p ? `  ${p}` : ''}`);
      for (const f of fs) {
        lines.push(`    ✗ ${f.ruleId}${f.status === 'UNKNOWN' ? ' [Unresolved]' : ''}: ${f.finding}`);
        if (f.detail) lines.push(`      ${f.detail}`);
        lines.push(`      Fix: ${f.fix}`);
      }
    }
    lines.push('');
  }
  const acked = results.flatMap(({ loaded, results: rs }) => rs.filter(isAcknowledged).map((f) => ({ loaded, f })));
  if (acked.length > 0) {
    lines.push('Acknowledged (not failing the run):');
    for (const { loaded, f } of acked) {
      lines.push(`  ~ ${loaded.stack}/${f.logicalId} ${f.ruleId}${f.status === 'UNKNOWN' ? ' [Unresolved]' : ''}: ${f.acknowledgement!.reason} (${f.acknowledgement!.source})`);
    }
    lines.push('');
  }
  lines.push(summary(results));
  return lines.join('\n') + '\n';
}

/** The last line of the text report: the verdict and what was checked. */
export function summary(results: TemplateResult[]): string {
  let failures = 0; let stacks = 0; let acknowledged = 0;
  const resources = new Set<string>();
  for (const { loaded, results: rs } of results) {
    const failed = rs.filter(isOpen);
    acknowledged += rs.filter(isAcknowledged).length;
    if (failed.length > 0) stacks++;
    failures += failed.length;
    for (const f of failed) resources.add(`${loaded.file}\0${f.logicalId}`);
  }
  const buckets = results.reduce((n, r) =>
    n + new Set(r.results.filter((f) => isBucketType(f.resourceType)).map((f) => f.logicalId)).size, 0);
  const acks = acknowledged === 0 ? '' : `${acknowledged} acknowledged finding(s)`;
  return failures === 0
    ? `✓ ${results.length} template(s), ${buckets} bucket(s) checked: compliant${acks ? ` (${acks})` : ''}.`
    : `✗ ${failures} finding(s) on ${resources.size} resource(s) in ${stacks} of ${results.length} template(s) (${buckets} bucket(s) checked${acks ? `; ${acks}` : ''}).`;
}

/** Machine-readable JSON. */
export function formatJson(results: TemplateResult[], policy: EnginePolicy): string {
  const entry = (loaded: LoadedTemplate, f: CheckedFinding) => ({
    stack: loaded.stack,
    file: loaded.file,
    logicalId: f.logicalId,
    resourceType: f.resourceType,
    cdkPath: cdkPath(loaded, f.logicalId),
    ruleId: f.ruleId,
    status: f.status,
    finding: f.finding,
    detail: f.detail,
    fix: f.fix,
  });
  const findings = results.flatMap(({ loaded, results: rs }) => rs.filter(isOpen).map((f) => entry(loaded, f)));
  const acknowledged = results.flatMap(({ loaded, results: rs }) => rs.filter(isAcknowledged)
    .map((f) => ({ ...entry(loaded, f), reason: f.acknowledgement!.reason, acknowledgedIn: f.acknowledgement!.source })));
  return JSON.stringify({
    tool: TOOL_NAME,
    policy,
    compliant: findings.length === 0,
    templates: results.map((r) => ({
      stack: r.loaded.stack,
      file: r.loaded.file,
      results: r.results.length,
      findings: r.results.filter(isOpen).length,
      acknowledged: r.results.filter(isAcknowledged).length,
    })),
    findings,
    acknowledged,
  }, null, 2) + '\n';
}

function lineOf(t: LoadedTemplate, logicalId: string): number {
  const escaped = logicalId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^\\s*"?${escaped}"?\\s*:`, 'm').exec(t.text);
  return m ? t.text.slice(0, m.index + m[0].length - m[0].trimStart().length).split('\n').length : 1;
}

function uri(file: string): string {
  const rel = path.relative(process.cwd(), path.resolve(file));
  return (rel.startsWith('..') ? path.resolve(file) : rel).split(path.sep).join('/');
}

/** SARIF 2.1.0, for code-scanning uploads. */
export function formatSarif(results: TemplateResult[]): string {
  const rules = ALL_RULES.map((r) => ({
    id: ruleId(r),
    name: r.name,
    shortDescription: { text: r.finding },
    fullDescription: { text: r.finding },
    help: { text: `Fix: ${r.fix}` },
    helpUri: helpUri(ruleId(r)),
    defaultConfiguration: { level: 'error' },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const sarifResults = results.flatMap(({ loaded, results: rs }) => rs.filter(isFailure).map((f: CheckedFinding) => ({
    ruleId: f.ruleId,
    ruleIndex: index.get(f.ruleId),
    level: 'error',
    message: { text: `${loaded.stack}/${f.logicalId}: ${message(f)} Fix: ${f.fix}` },
    locations: [{
      physicalLocation: { artifactLocation: { uri: uri(loaded.file) }, region: { startLine: lineOf(loaded, f.logicalId) } },
      logicalLocations: [{ name: f.logicalId, fullyQualifiedName: `${loaded.stack}/${f.logicalId}`, kind: 'resource' }],
    }],
    partialFingerprints: { resource: `${loaded.stack}/${f.logicalId}/${f.ruleId}` },
    // An acknowledged finding stays in the log, suppressed with its reason (SARIF 2.1.0 §3.35).
    ...(f.acknowledgement ? {
      suppressions: [{ kind: f.acknowledgement.kind, status: 'accepted', justification: f.acknowledgement.reason, properties: { acknowledgedIn: f.acknowledgement.source } }],
    } : {}),
    properties: {
      status: f.status,
      resourceType: f.resourceType,
      ...(cdkPath(loaded, f.logicalId) ? { cdkPath: cdkPath(loaded, f.logicalId) } : {}),
    },
  })));
  return JSON.stringify({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: TOOL_NAME, version: VERSION, semanticVersion: VERSION, informationUri: INFO_URI, rules } },
      results: sarifResults,
    }],
  }, null, 2) + '\n';
}

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' }[c]!));
}

/** JUnit XML: a suite per template, a test case per (bucket, rule). */
export function formatJunit(results: TemplateResult[]): string {
  const total = results.reduce((n, r) => n + r.results.length, 0);
  const failures = results.reduce((n, r) => n + r.results.filter(isOpen).length, 0);
  const skipped = results.reduce((n, r) => n + r.results.filter(isAcknowledged).length, 0);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${TOOL_NAME} check" tests="${total}" failures="${failures}"${skipped ? ` skipped="${skipped}"` : ''}>`];
  for (const { loaded, results: rs } of results) {
    const acked = rs.filter(isAcknowledged).length;
    out.push(`  <testsuite name="${xml(loaded.stack)}" file="${xml(loaded.file)}" tests="${rs.length}" failures="${rs.filter(isOpen).length}"${acked ? ` skipped="${acked}"` : ''}>`);
    for (const f of rs) {
      const name = `${f.logicalId} ${f.ruleId}`;
      if (isAcknowledged(f)) {
        out.push(`    <testcase classname="${xml(loaded.stack)}" name="${xml(name)}">`);
        out.push(`      <skipped message="${xml(`acknowledged: ${f.acknowledgement!.reason} (${f.acknowledgement!.source})`)}"/>`);
        out.push('    </testcase>');
      } else if (!isFailure(f)) {
        out.push(`    <testcase classname="${xml(loaded.stack)}" name="${xml(name)}"/>`);
      } else {
        out.push(`    <testcase classname="${xml(loaded.stack)}" name="${xml(name)}">`);
        out.push(`      <failure type="${f.status}" message="${xml(message(f))}">${xml(`Fix: ${f.fix}`)}</failure>`);
        out.push('    </testcase>');
      }
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
