import type { Refusal } from './refusal.js';

/** Either the value, or the refusal the caller answers with. */
export type Result<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };
