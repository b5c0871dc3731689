/**
 * Skips the running test in this browser only, and says why: the reason joins the test's title,
 * so the run's closing summary lists it beside the browser that skipped it.
 */
export function skipBecause(context: Mocha.Context, reason: string): never {
  if (context.test) context.test.title += ` [skipped in this browser: ${reason}]`;
  context.skip();
}
