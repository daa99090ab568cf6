import { afterAll } from 'vitest';
import { releaseLeftovers } from '../../scripts/local/cleanup-registry.js';

// Runs after each test file's own hooks: what a failing test did not release (a server, a
// schema, a spare service, a temporary folder) is released here, before the next file starts.
afterAll(releaseLeftovers);
