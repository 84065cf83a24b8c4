import { platform } from 'node:os';
const started = Date.now();
export const handler = async (event) => ({ typeModule: true, platform: platform(), got: event.name, started: started > 0 });
