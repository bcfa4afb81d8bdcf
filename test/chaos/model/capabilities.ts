/** Which fault and mutation knobs the emulator accepts, read from its own input schemas. */
import { faultsSchema, mutationSchema } from '../../../emulator/validation.js';
import type { Capabilities } from './generator.js';

export function emulatorCapabilities(): Capabilities {
  return { faults: new Set(Object.keys(faultsSchema.shape)), mutation: new Set(Object.keys(mutationSchema.shape)) };
}
