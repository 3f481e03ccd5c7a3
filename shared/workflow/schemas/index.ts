// The schemas of both workflows and the one function that turns a schema's
// verdict into InvalidInputError. See each file for what it describes.
export * from './parse.js';
export * from './primitives.js';
export * from './prune.js';
export * from './storage-tools.js';
export * from './construct-props.js';
