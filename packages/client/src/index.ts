export * from './api.js';
export * from './connection.js';
export * from './emitter.js';
export * from './call-mesh.js';
