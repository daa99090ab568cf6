import { getTRPCErrorFromUnknown } from '@trpc/server';
import { admit, auditBadInput } from './access.js';
import type { Context } from './context.js';
import type { AnyDefinition } from './definition.js';
import { invalidInput } from './procedure-errors.js';
import { HeldSubscription, holdSlot } from './subscription-slot.js';

/** Reads a call's raw input; may throw (bad JSON, a body too large) as tRPC's adapters do. */
export type RawInput = () => Promise<unknown>;

/**
 * Runs one call of a procedure, the same steps in the same order whatever the transport:
 * 1. access: the read budget, or the token (and the update budget), or the admin role;
 * 2. input: read, then checked against the schema; an update's unusable input is audited;
 * 3. for a subscription: one of the connection's slots, held while its events last;
 * 4. the resolver.
 * Refusals are thrown as TRPCErrors with their precise codes; the transport words them.
 */
export async function runProcedure(
  definition: AnyDefinition,
  ctx: Context,
  rawInput: RawInput,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const principal = await admit(definition.access, ctx);
  const caller = principal ? { ...ctx, principal } : ctx;
  let input: unknown;
  try {
    const parsed = definition.input.safeParse(await rawInput());
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    input = parsed.data;
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    if (definition.access === 'update' && principal) await auditBadInput(ctx, principal, error);
    throw error;
  }
  const aborted = signal ?? new AbortController().signal;
  if (definition.kind !== 'subscription') return definition.resolve(caller as never, input, aborted);
  const release = holdSlot(ctx.connection);
  try {
    const events = definition.resolve(caller as never, input, aborted) as AsyncIterable<unknown>;
    return new HeldSubscription(events, release, aborted);
  } catch (error) {
    release();
    throw error;
  }
}
