/** Shown whenever the engine syncs with its built-in emulator, so nobody mistakes demo data for real data. */
export function DemoBanner({ onConnect }: { onConnect: boolean }) {
  return (
    <div className="demo-banner" role="note" data-testid="demo-banner">
      <strong>DEMO MODE</strong>
      <span>Syncing with a built-in sample catalogue, not with Atom SaaS. Nothing here is your data.</span>
      {!onConnect && (
        <a href="#/connect" className="demo-banner-link">
          Connect to Atom SaaS
        </a>
      )}
    </div>
  );
}
