export async function runSoak() { throw new Error('not written yet'); }
