/**
 * Whether the person chose demo mode on the Connect screen; kept in this browser (or app window)
 * only. The e2e harness sets the same key (test/e2e/support/uiHarness.ts DEMO_CHOICE_KEY).
 */
const KEY = 'atom-sync.demo-mode-chosen';

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    // Storage can be switched off; the Connect screen then simply opens again next time.
    return null;
  }
}

export function demoModeChosen(): boolean {
  return storage()?.getItem(KEY) === 'yes';
}

export function rememberDemoChoice(chosen: boolean): void {
  const store = storage();
  if (!store) return;
  try {
    if (chosen) store.setItem(KEY, 'yes');
    else store.removeItem(KEY);
  } catch {
    // A full or locked storage only means the choice is asked again.
  }
}
