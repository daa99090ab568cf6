'use strict';
/* global __filename */
// What `require('@scoreboard/client')` gets (the "require" export condition): the package is
// ES modules only, so say so in one line instead of Node's generic "No exports main" error.
const error = new Error(
  "@scoreboard/client is ESM-only and cannot be require()d: use `import { createScoreboardClient } from '@scoreboard/client'` " +
    'from an ES module ("type": "module" in package.json, or a .mjs/.mts file), or `await import(\'@scoreboard/client\')` from CommonJS.',
);
error.code = 'ERR_REQUIRE_ESM';
// Only the caller's own frames: the loader's would bury the message under a dozen lines.
const callers = String(error.stack)
  .split('\n')
  .slice(1)
  .filter((line) => !line.includes(__filename) && !line.includes('node:internal'))
  .slice(0, 3);
error.stack = [`Error [${error.code}]: ${error.message}`, ...callers].join('\n');
// The comment on the next line keeps Node from printing this file's source above the message.
throw error; // node-do-not-add-exception-line
