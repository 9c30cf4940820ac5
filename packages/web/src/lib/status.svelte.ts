// App-wide status: uncaught errors (shown in a banner, never a blank page), offline readiness
// and cross-origin isolation.

export const appStatus = $state({
  errors: [] as string[],
  offlineReady: false,
  isolated: typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated,
  threads: (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1,
});

export function reportError(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  if (!appStatus.errors.includes(message)) appStatus.errors.push(message);
}

if (typeof navigator !== 'undefined' && 'serviceWorker' in navigator) {
  navigator.serviceWorker.ready.then(() => (appStatus.offlineReady = true)).catch(() => {});
}
