import type { ReactNode } from 'react';

/** A failed load or action: the API's `detail` sentence, announced to screen readers. */
export function ErrorMessage({ text, onRetry }: { text: string; onRetry?: () => void }) {
  return (
    <div className="message message-error" role="alert">
      <span>{text}</span>
      {onRetry && (
        <button type="button" className="button button-small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children && <p className="empty-text">{children}</p>}
    </div>
  );
}

/** An action's outcome in a polite live region (kept in the DOM so changes are announced). */
export function ActionMessage({ message, tone }: { message: string | null; tone: 'success' | 'error' | 'info' | null }) {
  return (
    <p className={`action-message ${tone ? `action-message-${tone}` : ''}`} role="status" aria-live="polite">
      {message ?? ''}
    </p>
  );
}
