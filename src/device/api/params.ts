import { invalidParam, missingParam } from '../device.errors.ts';
import type { Upload } from '../upload.store.ts';

/**
 * The parameters of one HTTP API request, merged from the query string, an urlencoded body
 * and multipart fields (later sources do not override earlier ones), plus the uploaded files
 * (on disk), with typed readers that
 * answer the vendor's errors 11 (missing) and 12 (invalid).
 */
export class Params {
  private readonly values: Map<string, string>;
  readonly files: Map<string, Upload>;
  constructor(values: Map<string, string>, files: Map<string, Upload>) {
    this.values = values;
    this.files = files;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The names of the text parameters, in the order they arrived. */
  names(): string[] {
    return [...this.values.keys()];
  }

  string(name: string): string | undefined {
    return this.values.get(name);
  }

  requiredString(name: string, hint?: string): string {
    const value = this.values.get(name);
    if (value === undefined || value === '') throw missingParam(name, hint);
    return value;
  }

  int(name: string, range: { min: number; max: number }, hint?: string): number | undefined {
    const raw = this.values.get(name);
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || value < range.min || value > range.max) {
      throw invalidParam(name, hint ?? `Use a whole number from ${range.min} to ${range.max}.`);
    }
    return value;
  }

  requiredInt(name: string, range: { min: number; max: number }, hint?: string): number {
    const value = this.int(name, range, hint);
    if (value === undefined) throw missingParam(name, hint);
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T | undefined {
    const raw = this.values.get(name);
    if (raw === undefined || raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      throw invalidParam(name, `Use one of: ${allowed.join(', ')}.`);
    }
    return raw as T;
  }

  file(name: string): Upload | undefined {
    return this.files.get(name);
  }
}

export function paramsFrom(
  sources: Array<Record<string, unknown> | undefined>,
  files = new Map<string, Upload>(),
): Params {
  const values = new Map<string, string>();
  for (const source of sources) {
    if (!source) continue;
    for (const [key, value] of Object.entries(source)) {
      if (values.has(key)) continue;
      const first = Array.isArray(value) ? value[0] : value;
      if (typeof first === 'string' || typeof first === 'number' || typeof first === 'boolean') {
        values.set(key, String(first));
      }
    }
  }
  return new Params(values, files);
}
