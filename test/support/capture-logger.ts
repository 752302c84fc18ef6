// SPDX-License-Identifier: Apache-2.0
// A Logger that keeps every line in memory, for asserting on log output (and on what it must not contain).

import type { Logger } from '../../lambda/observability/logger';

export interface CapturedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

export class CaptureLogger implements Logger {
  constructor(
    readonly lines: CapturedLine[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}
  debug(fields: Record<string, unknown>, msg: string): void {
    this.lines.push({ level: 'debug', msg, fields: { ...this.bindings, ...fields } });
  }
  info(fields: Record<string, unknown>, msg: string): void {
    this.lines.push({ level: 'info', msg, fields: { ...this.bindings, ...fields } });
  }
  warn(fields: Record<string, unknown>, msg: string): void {
    this.lines.push({ level: 'warn', msg, fields: { ...this.bindings, ...fields } });
  }
  error(fields: Record<string, unknown>, msg: string): void {
    this.lines.push({ level: 'error', msg, fields: { ...this.bindings, ...fields } });
  }
  child(bindings: Record<string, unknown>): Logger {
    return new CaptureLogger(this.lines, { ...this.bindings, ...bindings });
  }
  /** Everything logged, as one string (for grepping for secrets). */
  text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }
}
