import { isEmptyValue, showValue } from '../../lib/fieldValue.js';

/** One field value as preformatted text; a dash for no value. */
export function FieldValue({ value }: { value: unknown }) {
  if (isEmptyValue(value)) return <span className="value-empty">–</span>;
  return <pre className="value">{showValue(value)}</pre>;
}
