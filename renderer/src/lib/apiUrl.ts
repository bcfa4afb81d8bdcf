/** The address Atom SaaS serves its marketplace API at, suggested on the Connect screen. */
export const ATOM_SAAS_API_URL = 'https://atomagentos.com/api/v1/marketplace';

/** Null when `text` is an absolute http(s) URL, else the sentence to show beside the field. */
export function apiUrlProblem(text: string): string | null {
  const value = text.trim();
  if (value === '') return 'Enter the API URL, for example https://atomagentos.com/api/v1/marketplace.';
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return 'This is not a full web address: it must start with https:// (or http://) and name a host.';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return `The address must start with https:// or http://, not ${parsed.protocol}//.`;
  if (!parsed.hostname) return 'The address names no host.';
  if (parsed.username || parsed.password) return 'Leave the user name and password out of the address; the API token is entered below.';
  return null;
}
