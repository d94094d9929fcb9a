export { loadConfig, ConfigError, type Config } from './config.js';
export { startServer, type RunningServer } from './server.js';
export { buildApp } from './http/app.js';
export { OfficeEngine, type ClientSink } from './office/office-engine.js';
