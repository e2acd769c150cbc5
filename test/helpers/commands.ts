import mongoose from 'mongoose';

const WRITES = new Set(['insert', 'update', 'delete', 'findAndModify']);

/**
 * The database commands this process sends while `run` runs, as "command collection",
 * sorted (site configurations, which the site service caches for 5 s, left out). Every
 * connection of the process is seen: run it where nothing else talks to the database.
 */
export async function commandsDuring(run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const client = mongoose.connection.getClient();
  const record = (event: { commandName: string; command: Record<string, unknown> }) => {
    const collection = event.command[event.commandName];
    if (collection !== 'sites') seen.push(`${event.commandName} ${String(collection)}`);
  };
  client.on('commandStarted', record);
  try {
    await run();
  } finally {
    client.off('commandStarted', record);
  }
  return seen.sort();
}

/** The writes among commandsDuring's commands. */
export async function writesDuring(run: () => Promise<unknown>): Promise<string[]> {
  return (await commandsDuring(run)).filter((c) => WRITES.has(c.split(' ')[0] as string));
}
