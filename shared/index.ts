export * from './messages.js';
export * from './schemas.js';
export * from './response-schemas.js';
