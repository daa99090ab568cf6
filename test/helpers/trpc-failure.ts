import { TRPCClientError } from '@trpc/client';
import { expect } from 'vitest';
import type { AppRouter } from '../../server/trpc/routers/_app.js';

/** The error a tRPC call failed with: its code and message (the call must fail). */
export async function failure(call: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  const { data, message } = error as TRPCClientError<AppRouter>;
  return { code: data?.code, message };
}
