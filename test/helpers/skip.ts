/**
 * Skips the running test in this browser only, and says why: the reason joins the test's title,
 * so the run's closing summary lists it beside the browser that skipped it.
 */
export function skipBecause(context: Mocha.Context, reason: string): never {
  if (context.test) context.test.title += ` [skipped in this browser: ${reason}]`;
  context.skip();
}

/**
 * Skips the running test where the browser has no SharedArrayBuffer even on a cross-origin-isolated
 * page (WebKitGTK 2.50): the shared transport cannot run there, and its fallback is tested instead.
 */
export function requireSharedMemory(context: Mocha.Context): void {
  if (typeof SharedArrayBuffer !== 'function') {
    skipBecause(context, 'no SharedArrayBuffer on this cross-origin-isolated page (WebKitGTK); the copy fallback is tested for it instead');
  }
}
