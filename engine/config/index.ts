export * from './config.js';
export * from './errors.js';
