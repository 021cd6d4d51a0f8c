export async function tutorial(_o: unknown): Promise<number> { console.error("k8ts tutorial: not written yet"); return 1; }
