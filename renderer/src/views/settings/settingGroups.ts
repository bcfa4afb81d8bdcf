import type { SettingField } from '../../../../engine/contracts/localHttpApi.js';

export interface SettingGroup {
  id: string;
  title: string;
  fields: SettingField[];
}

const GROUPS: ReadonlyArray<{ id: string; title: string; names: readonly string[] }> = [
  { id: 'connection', title: 'Connection', names: ['api_url', 'ws_url', 'api_token', 'https_proxy', 'http_proxy', 'no_proxy', 'http_timeout_seconds'] },
  {
    id: 'sync',
    title: 'Catalogue sync',
    names: ['sync_enabled', 'sync_interval_minutes', 'full_sync_interval_minutes', 'sync_batch_size', 'websocket_enabled', 'websocket_backoff_max_seconds'],
  },
  { id: 'ratings', title: 'Ratings', names: ['rating_sync_interval_minutes', 'rating_batch_size', 'rating_max_attempts'] },
  { id: 'conflicts', title: 'Conflicts', names: ['conflict_strategy', 'conflict_auto_critical'] },
  { id: 'notifications', title: 'Notifications', names: ['notifications'] },
];

/** The engine's fields in groups a person can scan; a field no group names lands in "Other", in the engine's order. */
export function groupSettings(fields: readonly SettingField[]): SettingGroup[] {
  const placed = new Set<string>();
  const groups: SettingGroup[] = [];
  for (const group of GROUPS) {
    const inGroup = group.names.map((name) => fields.find((f) => f.name === name)).filter((f): f is SettingField => f !== undefined);
    inGroup.forEach((f) => placed.add(f.name));
    if (inGroup.length > 0) groups.push({ id: group.id, title: group.title, fields: inGroup });
  }
  const rest = fields.filter((f) => !placed.has(f.name));
  if (rest.length > 0) groups.push({ id: 'other', title: 'Other', fields: rest });
  return groups;
}

const CHOICE_WORDS: Readonly<Record<string, string>> = {
  errors: 'Errors only',
  manual: 'Manual (a person decides)',
  local_wins: 'Local wins',
  remote_wins: 'Remote wins',
  merge: 'Merge',
  all: 'All',
  none: 'None',
};

export function choiceLabel(choice: string): string {
  return CHOICE_WORDS[choice] ?? choice.charAt(0).toUpperCase() + choice.slice(1).replace(/_/g, ' ');
}
