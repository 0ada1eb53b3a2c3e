export async function runPeers() { throw new Error('not written yet'); }
