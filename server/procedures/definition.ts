import type { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { Access } from './access.js';
import type { Context } from './context.js';

export type ProcedureKind = 'query' | 'mutation' | 'subscription';

/** What a resolver sees: the context, and the caller's principal where a token was required. */
export type CallerContext<A extends Access> = A extends 'read'
  ? Context
  : Context & { readonly principal: Principal };

/**
 * One operation, declared once: its kind, who may call it and what that spends (`access`), its
 * input schema and its resolver. The steps run in one order for every transport (see
 * runProcedure): access, input (the refusals of updates audited), a subscription slot, the
 * resolver. tRPC's router and the hand-served transports are all built from these.
 */
export interface ProcedureDefinition<K extends ProcedureKind, A extends Access, S extends z.ZodType, O> {
  readonly kind: K;
  readonly access: A;
  readonly input: S;
  resolve(ctx: CallerContext<A>, input: z.output<S>, signal: AbortSignal): O;
}

export type AnyDefinition = ProcedureDefinition<ProcedureKind, Access, z.ZodType, unknown>;

/** A query: answers from state, changes nothing. */
export function defineQuery<A extends Access, S extends z.ZodType, O>(
  definition: Omit<ProcedureDefinition<'query', A, S, O>, 'kind'>,
): ProcedureDefinition<'query', A, S, O> {
  return { kind: 'query', ...definition };
}

/** A mutation: changes state. */
export function defineMutation<A extends Access, S extends z.ZodType, O>(
  definition: Omit<ProcedureDefinition<'mutation', A, S, O>, 'kind'>,
): ProcedureDefinition<'mutation', A, S, O> {
  return { kind: 'mutation', ...definition };
}

/** A subscription: events until the client stops it or the connection closes (`signal`). */
export function defineSubscription<A extends Access, S extends z.ZodType, E>(
  definition: Omit<ProcedureDefinition<'subscription', A, S, AsyncIterable<E>>, 'kind'>,
): ProcedureDefinition<'subscription', A, S, AsyncIterable<E>> {
  return { kind: 'subscription', ...definition };
}
