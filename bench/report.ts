/**
 * Markdown table rendering for benchmark results.
 */
import { Summary } from './stats';

export type Cell = string | number;

/** A GitHub-flavoured markdown table. Numbers are printed as given (format them first). */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const lines = [
    `| ${headers.join(' | ')} |`,
    `|${headers.map((_h, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
  ];
  for (const r of rows) {
    lines.push(`| ${r.map(String).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** `median (min–max)` with a fixed number of decimals. */
export function fmtSummary(s: Summary, digits = 0): string {
  if (s.n === 0 || Number.isNaN(s.median)) {
    return 'n/a';
  }
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

export function fmt(x: number, digits = 0): string {
  if (!Number.isFinite(x)) {
    return 'n/a';
  }
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `0.93x (0.90–0.97)` */
export function fmtRatio(s: Summary): string {
  if (s.n === 0 || Number.isNaN(s.median)) {
    return 'n/a';
  }
  return `${s.median.toFixed(2)}x (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
}

/** A markdown section: heading, optional text, body. */
export function section(title: string, body: string, text?: string): string {
  return [`### ${title}`, '', ...(text ? [text, ''] : []), body, ''].join('\n');
}
