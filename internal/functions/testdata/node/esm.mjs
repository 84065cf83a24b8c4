export const handler = async (event) => ({ esm: true, got: event.name });
