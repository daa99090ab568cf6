// The server's layers (see docs/architecture.md), checked by `npm run lint`:
// domain <- services <- procedures <- transports (http, trpc, ws over one transport toolbox)
// <- the composition root (app.ts, build-services.ts), which only main.ts imports.
const SERVICES = '^server/(scores|leaderboard|admin|boards|security|storage|live|auth|config|observability)/';
const TRANSPORTS = '^server/(transport|http|trpc|ws|web)/';

/** @type {import('dependency-cruiser').IConfiguration} */
// eslint-disable-next-line no-undef -- a CommonJS config file, as dependency-cruiser reads it
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'domain-is-pure',
      comment:
        'server/domain holds pure logic: it imports only itself, shared/ and pure libraries listed here (no I/O).',
      severity: 'error',
      from: { path: '^server/domain/' },
      to: { pathNot: ['^server/domain/', '^shared/', '^node_modules/temporal-polyfill/'] },
    },
    {
      name: 'services-below-procedures',
      comment: 'Services see interfaces and the domain, never the procedures or a transport.',
      severity: 'error',
      from: { path: SERVICES },
      to: {
        path: ['^server/procedures/', TRANSPORTS, '^server/(app|build-services|app-services|main)\\.ts$'],
      },
    },
    {
      name: 'procedures-below-transports',
      comment: 'A procedure is declared once, whatever carries it.',
      severity: 'error',
      from: { path: '^server/procedures/' },
      to: { path: [TRANSPORTS, '^server/(app|build-services|app-services|main)\\.ts$'] },
    },
    {
      name: 'transport-toolbox-below-adapters',
      comment: 'server/transport is what the adapters share; it knows none of them.',
      severity: 'error',
      from: { path: '^server/transport/' },
      to: { path: '^server/(http|trpc|ws|web)/' },
    },
    {
      name: 'adapters-are-siblings',
      comment: 'http, trpc and ws do not import each other (the root hands the WebSocket server the router).',
      severity: 'error',
      from: { path: '^server/(http|trpc|ws)/' },
      to: { path: '^server/(http|trpc|ws)/', pathNot: '^server/$1/' },
    },
    {
      name: 'composition-root-imported-by-main-only',
      severity: 'error',
      from: { path: '^server/', pathNot: '^server/(main|app)\\.ts$' },
      to: { path: '^server/(app|build-services)\\.ts$' },
    },
    ...[
      ['storage', 'sqlite', 'postgres'],
      ['security/rate-limit', 'memory', 'redis'],
      ['live/bus', 'memory', 'redis'],
    ].flatMap(([port, a, b]) =>
      [
        [a, b],
        [b, a],
      ].map(([from, to]) => ({
        name: 'implementations-are-siblings',
        comment: 'An implementation folder never imports its sibling: what both need moves up.',
        severity: 'error',
        from: { path: `^server/${port}/${from}/` },
        to: { path: `^server/${port}/${to}/` },
      })),
    ),
    {
      name: 'no-trpc-internals',
      comment: "tRPC's unstable-core-do-not-import is tRPC's own business.",
      severity: 'error',
      from: { path: '^(server|shared|client-sdk/src)/' },
      to: { path: '@trpc/server/.*unstable-core-do-not-import' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
