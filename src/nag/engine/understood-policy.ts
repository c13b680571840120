/**
 * What the engine understands of a bucket policy: the allow-list.
 *
 * A proof ("every request of a class is denied") may only rest on policy
 * text whose meaning is modelled here for every request. Each entry says
 * what the element, operator or operator/key pair means and why the
 * engine's evaluation of it is exact (or errs only towards "not denied").
 * A Deny statement that uses anything else is not used as proof: the
 * verdict is "not proven", naming the element, operator or key. Allow
 * statements never weaken a Deny, so they need not be understood.
 *
 * Reviewing this file is how a reader convinces themselves the engine is
 * sound; docs/compliance.md ("What the engine understands") lists the same.
 */
import { SECURE_TRANSPORT_KEY, SSE_C_KEY, SSE_KEY, SSE_KMS_KEY_ID_KEY, TLS_VERSION_KEY } from './condition-keys';

/**
 * The policy language versions. Under 2012-10-17 IAM substitutes policy
 * variables (`${aws:username}`, `${aws:PrincipalTag/x}`, ...) per request in
 * Resource and Condition values, and `${*}`, `${?}`, `${$}` stand for a
 * literal `*`, `?`, `$`. Under 2008-10-17 (and when Version is absent, which
 * IAM reads as 2008-10-17) the same text is literal.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
export const POLICY_VERSIONS: Readonly<Record<string, { readonly variables: boolean }>> = {
  '2012-10-17': { variables: true },
  '2008-10-17': { variables: false },
};

/** The elements of a policy document. */
export const DOCUMENT_ELEMENTS: Readonly<Record<string, string>> = {
  Version: 'the language version (see POLICY_VERSIONS); any other value is not understood',
  Id: 'an identifier; no effect on evaluation',
  Statement: 'one statement or a list of them',
};

/** The elements of a statement, and how a Deny statement with them is evaluated. */
export const STATEMENT_ELEMENTS: Readonly<Record<string, string>> = {
  Sid: 'a name for messages; no effect on evaluation',
  Effect: '"Deny" statements are proof; "Allow" statements can never undo a Deny and are ignored',
  Principal: '"*" or {"AWS": "*"} (alone) means every principal; a Deny for fewer principals is not proof',
  NotPrincipal: 'a Deny with NotPrincipal exempts the listed principals: never proof for every principal (reported as a gap)',
  Action: 'action patterns with * and ?, matched case-insensitively',
  NotAction: 'every action no pattern matches: covers an action when no pattern matches it, and every S3 action when no pattern can match any s3:... action',
  Resource: 'ARN patterns with * and ?, matched case-sensitively; a pattern covers every object when it matches <bucket ARN>/ followed by anything',
  NotResource: 'every resource no pattern matches: covers the bucket (or every object) only when no pattern can match it, proven on a form of its ARN',
  Condition: 'operator -> key -> values; every operator block and key must hold (AND); the values of one key are ORed',
};

/** The condition operators the engine evaluates (each also with the `IfExists` suffix, except Null). */
export const CONDITION_OPERATORS: Readonly<Record<string, string>> = {
  StringEquals: 'exact, case-sensitive equality with one of the values',
  StringNotEquals: 'equal to none of the values; true when the key is absent',
  StringEqualsIgnoreCase: 'equality after case folding',
  StringNotEqualsIgnoreCase: 'none equal after case folding; true when the key is absent',
  StringLike: 'matches one of the patterns (* any run of characters, ? one character)',
  StringNotLike: 'matches none of the patterns; true when the key is absent',
  NumericEquals: 'numeric equality',
  NumericNotEquals: 'equal to none; true when the key is absent',
  NumericLessThan: 'less than a value',
  NumericLessThanEquals: 'less than or equal to a value',
  NumericGreaterThan: 'greater than a value',
  NumericGreaterThanEquals: 'greater than or equal to a value',
  Bool: 'boolean equality with "true" or "false"',
  Null: '"true": the key is absent; "false": the key is present',
};

/**
 * Operators the engine knows IAM has but does not evaluate: a condition with
 * one makes the statement no proof. (Listed for messages and docs; anything
 * not in CONDITION_OPERATORS is treated the same way.)
 */
export const NOT_EVALUATED_OPERATORS: readonly string[] = [
  'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals',
  'DateGreaterThan', 'DateGreaterThanEquals', 'IpAddress', 'NotIpAddress', 'BinaryEquals', 'ForAnyValue:*', 'ForAllValues:*',
];

/** A modelled condition key: the values a request can carry in it, and the operators modelled for every one of them. */
export interface ModelledKey {
  /** What values the key takes (and when it is absent). */
  readonly values: string;
  /** Operator (without IfExists) -> why its semantics are modelled for every value of the key. */
  readonly operators: Readonly<Record<string, string>>;
}

const STRING_OPS_FOR_NAMES = {
  StringEquals: 'the value is one of a few fixed names, compared exactly',
  StringNotEquals: 'idem, negated',
  StringEqualsIgnoreCase: 'the names are ASCII, so case folding is exact',
  StringNotEqualsIgnoreCase: 'idem, negated',
  StringLike: 'patterns over the fixed names',
  StringNotLike: 'idem, negated',
  Null: 'presence of the header',
};

/**
 * The keys the engine models, lower case. Request classes say what value
 * each takes; a condition on one of them is evaluated for that value.
 */
export const MODELLED_KEYS: Readonly<Record<string, ModelledKey>> = {
  [SSE_KEY]: {
    values: 'AES256, aws:kms or aws:kms:dsse (S3 refuses any other value); absent when the upload names no algorithm',
    operators: STRING_OPS_FOR_NAMES,
  },
  [SSE_C_KEY]: {
    values: 'AES256 (the only SSE-C algorithm S3 accepts); absent without SSE-C headers',
    operators: STRING_OPS_FOR_NAMES,
  },
  [SSE_KMS_KEY_ID_KEY]: {
    values: 'the key as the requester wrote it: a key ARN, a bare key id, an alias name (alias/...) or an alias ARN; absent when the upload names no key',
    operators: {
      StringEquals: 'exact text: a form not listed (a bare id or alias of the same key) is simply not equal, so a Deny with StringNotEquals denies more, never less',
      StringNotEquals: 'idem, negated',
      StringLike: 'patterns over the text, whatever its form',
      StringNotLike: 'idem, negated',
      Null: 'presence of the header',
      // Not ArnEquals/ArnLike/ArnNotEquals/ArnNotLike: two of the four forms are not ARNs, and an ARN operator does not
      // match them, so `ArnNotEquals <key ARN>` does not deny an upload naming an alias or a bare key id.
      // Not the IgnoreCase operators: alias names are case-sensitive, so another case may name another key.
    },
  },
  [SECURE_TRANSPORT_KEY]: {
    values: '"true" over TLS, "false" over plain HTTP; always present',
    operators: { Bool: 'a boolean key', Null: 'presence (always present)' },
  },
  [TLS_VERSION_KEY]: {
    values: '1.0, 1.1, 1.2 or 1.3 over TLS; absent over plain HTTP',
    operators: {
      NumericEquals: 'compares the version as a number',
      NumericNotEquals: 'idem, negated',
      NumericLessThan: 'compares the version as a number',
      NumericLessThanEquals: 'compares the version as a number',
      NumericGreaterThan: 'compares the version as a number',
      NumericGreaterThanEquals: 'compares the version as a number',
      Null: 'absent over plain HTTP',
    },
  },
};

/**
 * Operators allowed on a key the engine does not model (principal, account,
 * source VPC endpoint, tags, ...): such a key may take any string value or be
 * absent, so a condition on it is proof only when it holds for every value
 * and for absence (`StringLikeIfExists <key> *`, `Null <key> [true, false]`).
 * The string operators are evaluated against "any value"; others (Numeric,
 * Bool, Date, ARN, IP) depend on a value kind the engine does not know.
 */
export const UNMODELLED_KEY_OPERATORS: readonly string[] = [
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike', 'Null',
];

/**
 * Why the engine does not understand the condition operator `rawOp` on `key`
 * (lower case), or undefined when it does.
 */
export function notUnderstoodCondition(rawOp: string, key: string): string | undefined {
  if (rawOp.includes(':')) return `uses the set operator ${rawOp}, which the engine does not evaluate`;
  const ifExists = rawOp.endsWith('IfExists');
  const op = ifExists ? rawOp.slice(0, -'IfExists'.length) : rawOp;
  const knownToIam = CONDITION_OPERATORS[op] !== undefined || NOT_EVALUATED_OPERATORS.includes(op);
  if (!knownToIam || (ifExists && op === 'Null')) return `uses the operator ${rawOp}, which the engine does not evaluate`;
  // A known operator: say why it is not modelled for this key (an ARN operator on a key that is not always an ARN, ...).
  const modelled = MODELLED_KEYS[key];
  if (modelled) {
    if (modelled.operators[op] === undefined) {
      return `applies ${rawOp} to ${key}, whose values (${modelled.values}) that operator is not modelled for`;
    }
    return undefined;
  }
  if (!UNMODELLED_KEY_OPERATORS.includes(op)) return `applies ${rawOp} to ${key}, a key whose kind of value the engine does not model`;
  if (CONDITION_OPERATORS[op] === undefined) return `uses the operator ${rawOp}, which the engine does not evaluate`;
  return undefined;
}

/** A `${...}` in a resolved value that is not a CloudFormation reference: a policy variable, or an escape, or literal text. */
export interface PolicyVariableUse {
  /** The variables substituted per request (`${aws:username}`), if any. */
  readonly variables: string[];
  /** The value with the escapes `${*}`, `${?}`, `${$}` replaced by their characters, when there are no variables. */
  readonly literal: string;
  /**
   * Whether the value holds an escape a pattern cannot express: `${*}` or `${?}` (a literal `*` or `?`), or a
   * `${$}` that makes `${` literal text.
   */
  readonly escapedWildcard: boolean;
}

const ESCAPES: Readonly<Record<string, string>> = { '${*}': '*', '${?}': '?', '${$}': '$' };

/**
 * The policy variables in a value under a version that substitutes them.
 * `isReference` tells the template's own references (`${Bucket.Arn}`,
 * `${AWS::Partition}`), which CloudFormation substitutes before IAM sees the
 * text, from everything else between `${` and `}`.
 */
export function policyVariables(value: string, isReference: (token: string) => boolean): PolicyVariableUse {
  const variables: string[] = [];
  let escapedWildcard = false;
  const literal = value.replace(/\$\{[^}]*\}/g, (token) => {
    if (isReference(token)) return token;
    const esc = ESCAPES[token];
    if (esc !== undefined) {
      if (esc !== '$') escapedWildcard = true;
      return esc;
    }
    variables.push(token);
    return token;
  });
  if (value.includes('${$}{')) escapedWildcard = true;
  return { variables, literal, escapedWildcard };
}
