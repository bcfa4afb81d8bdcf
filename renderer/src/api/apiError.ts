/** A failed API call: the HTTP status (0 when the engine could not be reached), the machine code and the human sentence. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  /** Any other members of the `{error, detail, ...}` body (e.g. `fields` of merge_not_possible). */
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(status: number, code: string, detail: string, extra: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.extra = extra;
  }

  /** Field names carried by the error (409 merge_not_possible lists the clashing ones). */
  get fields(): string[] {
    const fields = this.extra.fields;
    return Array.isArray(fields) ? fields.filter((f): f is string => typeof f === 'string') : [];
  }
}

/** The sentence to show a person for any thrown value. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  if (error instanceof Error) return error.message;
  return String(error);
}
