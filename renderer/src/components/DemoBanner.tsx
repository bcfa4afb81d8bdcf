/** Shown whenever the engine syncs with its built-in emulator, so nobody mistakes demo data for real data. */
export function DemoBanner() {
  return (
    <div className="demo-banner" role="note" data-testid="demo-banner">
      <strong>DEMO MODE</strong>
      <span>Demo mode: syncing with the built-in emulator, not Atom SaaS</span>
    </div>
  );
}
