// The base errors, for the layers above core (adapters, workflow, functions,
// CLI). They are defined in shared/core/errors.ts, the lowest layer, so that
// core imports nothing from outside itself.
export { PrunerError, InvalidInputError, InvalidReferencesError, type ErrorOptions } from './core/errors.js';
