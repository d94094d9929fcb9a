export * from './version.js';
export * from './errors.js';
export * from './presence.js';
export * from './http.js';
export * from './control.js';
export * from './binary.js';
export * from './types.js';
