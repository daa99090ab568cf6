import { initTRPC } from '@trpc/server';
import type { z } from 'zod';
import type { Access } from '../procedures/access.js';
import type { Context } from '../procedures/context.js';
import type { ProcedureDefinition } from '../procedures/definition.js';
import { runProcedure } from '../procedures/run-procedure.js';
import { errorShape } from '../transport/trpc-wire.js';

const t = initTRPC.context<Context>().create({
  // Stack traces never leave the server.
  isDev: false,
  // Subscriptions are served over the WebSocket only, where the origin check, the connection
  // caps, the slow-consumer policy and the shutdown sequence apply.
  sse: { enabled: false },
  errorFormatter: ({ error, path, ctx }) => errorShape(error, path, ctx?.deps.maxBatch),
});

export const router = t.router;

/**
 * A tRPC procedure that runs a definition: one middleware runs every step (runProcedure: the
 * access step first, so a refused caller's input is never read) with tRPC's own raw input, and
 * the resolver hands on its output. The schema is declared after it for the router's types
 * (what clients may send); by then the input has passed that same schema.
 */
function run<S extends z.ZodType>(definition: ProcedureDefinition<any, Access, S, unknown>) {
  return t.procedure
    .use(async ({ ctx, getRawInput, signal, next }) =>
      next({ ctx: { output: await runProcedure(definition, ctx, getRawInput, signal) } }),
    )
    .input(definition.input);
}

/** A tRPC query built from its definition. */
export function query<A extends Access, S extends z.ZodType, O>(
  definition: ProcedureDefinition<'query', A, S, O>,
) {
  return run(definition).query(({ ctx }) => ctx.output as Awaited<O>);
}

/** A tRPC mutation built from its definition. */
export function mutation<A extends Access, S extends z.ZodType, O>(
  definition: ProcedureDefinition<'mutation', A, S, O>,
) {
  return run(definition).mutation(({ ctx }) => ctx.output as Awaited<O>);
}

/** A tRPC subscription built from its definition. */
export function subscription<A extends Access, S extends z.ZodType, E>(
  definition: ProcedureDefinition<'subscription', A, S, AsyncIterable<E>>,
) {
  return run(definition).subscription(({ ctx }) => ctx.output as AsyncIterable<E>);
}
