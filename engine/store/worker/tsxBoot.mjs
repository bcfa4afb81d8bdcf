// Runs a TypeScript worker entry from source (tests and `tsx` runs); a build starts the .js entry directly.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
