/**
 * `cdk-secure-bucket check`: the command line of the template check (src/check): its usage and
 * options, the policy they build, and where the report goes.
 */
import * as fs from 'fs';
import { ArgReader } from './arg-reader';
import { CliIo } from './cli-io';
import { Acknowledgement, parseAcknowledgements } from '../check/acknowledgements';
import { checkTemplates, parseMode, policyFromJson } from '../check/check';
import { STDIN, loadInputs } from '../check/load';
import { VERSION } from '../check/package-info';
import { formatJson, formatJunit, formatSarif, formatText, isOpen, summary } from '../check/report';
import { InputError } from '../cli-input/input-error';
import { EncryptionModeKind } from '../encryption-modes/encryption-mode-kind';
import { allModeLabels } from '../encryption-modes/mode-lookup';
import { toEnginePolicy } from '../nag/engine/policy';

/** The usage of `check`, which runs before deploy, on templates. */
export const CHECK_USAGE = `Usage: cdk-secure-bucket check <cdk.out directory | template.json | template.yaml | - ...> [options]

Checks that every S3 bucket in the templates (nested stacks included) meets
the encryption policy. '-' reads a template from standard input.

Options:
  --allowed-modes <m,...>     modes buckets may use: ${allModeLabels().join(', ')} (default: all)
  --allowed-kms-key <arn>     a KMS key KMS-mode buckets may use (repeatable; default: any customer-managed key)
  --policy <file.json>        the policy as JSON: {"allowedModes": [...], "allowedKmsKeyArns": [...], "exemptLogBuckets": true}
  --no-exempt-log-buckets     hold access-log and CloudTrail log buckets to the policy like any bucket
  --acknowledgements <file>   findings accepted with a reason (JSON or YAML; repeatable); those recorded
                              in a cdk.out by Validations.of(scope).acknowledge are honoured too
  --format <text|json|sarif|junit>   output format (default: text)
  --output <file>             write the report to a file; stdout gets the one-line summary
  -h, --help                  show this help
  --version                   print the version

Exit status: 0 compliant (acknowledged findings reported apart), 1 findings, 2 bad input.
`;

const FORMATS = ['text', 'json', 'sarif', 'junit'];
/** The options that take no value: `--flag=value` on one of these is an error, not a path. */
const FLAGS = ['-h', '--help', '--version', '--no-exempt-log-buckets'];

async function readAll(stdin: AsyncIterable<string | Buffer> | undefined): Promise<string> {
  let text = '';
  if (stdin === undefined) return text;
  try {
    for await (const chunk of stdin) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  } catch (e) {
    throw new InputError(`stdin: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return text;
}

/** The text of the file an option names; an unreadable file is bad input. */
function readOptionFile(option: string, file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${option} ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Runs `check` (argv after `check`). Returns the exit code: 0 compliant, 1 findings; throws InputError on bad input. */
export async function checkCommand(args: string[], io: CliIo): Promise<number> {
  const inputs: string[] = [];
  let format = 'text';
  let output: string | undefined;
  let modes: EncryptionModeKind[] | undefined;
  let keys: string[] | undefined;
  let exempt: boolean | undefined;
  let filePolicy: ReturnType<typeof policyFromJson> = {};
  const acknowledgements: Acknowledgement[] = [];
  const reader = new ArgReader(args, FLAGS);
  const value = (opt: string): string => reader.value(opt);
  for (let arg = reader.next(); arg !== undefined; arg = reader.next()) {
    switch (arg) {
      case '-h': case '--help': io.stdout.write(CHECK_USAGE); return 0;
      case '--version': io.stdout.write(`${VERSION}\n`); return 0;
      case '--format': format = value(arg); if (!FORMATS.includes(format)) throw new InputError(`--format: unknown format '${format}' (use ${FORMATS.join(', ')})`); break;
      case '--output': case '-o': output = value(arg); break;
      case '--allowed-modes': case '--allowed-mode':
        modes = [...(modes ?? []), ...value(arg).split(',').filter((s) => s.trim() !== '').map((m) => parseMode(m, arg))]; break;
      case '--allowed-kms-key': case '--allowed-kms-key-arn': keys = [...(keys ?? []), value(arg)]; break;
      case '--no-exempt-log-buckets': exempt = false; break;
      case '--acknowledgements': {
        const file = value(arg);
        acknowledgements.push(...parseAcknowledgements(file, readOptionFile(arg, file)));
        break;
      }
      case '--policy': {
        const file = value(arg);
        const text = readOptionFile(arg, file);
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (e) {
          throw new InputError(`--policy ${file}: not valid JSON (${(e as Error).message})`);
        }
        filePolicy = policyFromJson(json, `--policy ${file}`);
        break;
      }
      default:
        if (arg.startsWith('-') && arg !== STDIN) throw new InputError(`unknown option '${arg}' (see --help)`);
        inputs.push(arg);
    }
  }
  if (inputs.length === 0) throw new InputError('no input: pass a cdk.out directory or template files');
  if (inputs.filter((i) => i === STDIN).length > 1) throw new InputError(`'${STDIN}' (standard input) can be given only once`);

  let policy;
  try {
    policy = toEnginePolicy({
      allowedModes: modes ?? filePolicy.allowedModes,
      allowedKmsKeyArns: keys ?? filePolicy.allowedKmsKeyArns,
      exemptLogBuckets: exempt ?? filePolicy.exemptLogBuckets,
    });
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const stdin = inputs.includes(STDIN) ? await readAll(io.stdin) : undefined;
  const templates = loadInputs(inputs, stdin);
  if (templates.length === 0) throw new InputError(`${inputs.join(', ')}: no stack templates found`);
  const results = checkTemplates(templates, policy, acknowledgements);
  const report = format === 'json' ? formatJson(results, policy)
    : format === 'sarif' ? formatSarif(results)
      : format === 'junit' ? formatJunit(results) : formatText(results);
  if (output) {
    try {
      fs.writeFileSync(output, report);
    } catch (e) {
      throw new InputError(`--output ${output}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    io.stdout.write(`${summary(results)} Report: ${output}\n`);
  } else {
    io.stdout.write(report);
  }
  return results.some((r) => r.results.some(isOpen)) ? 1 : 0;
}
