import type { SyncOperation } from '../contracts/localHttpApi.js';

/** Which operation a marketplace request served, for error accounting. */
export function operationForPath(path: string, method: string): SyncOperation {
  if (path.includes('/categories')) return 'categories';
  if (path.startsWith('/ratings/batch') || path.endsWith('/rate')) return 'ratings_upload';
  if (path.startsWith('/ratings')) return method === 'POST' ? 'ratings_upload' : 'ratings_download';
  return 'skills';
}
