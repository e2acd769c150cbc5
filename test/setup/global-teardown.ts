/** Stops the servers global-setup started. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __stopTestServers?: () => Promise<void> }).__stopTestServers?.();
}
