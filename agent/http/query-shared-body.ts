// One answer, many waiters, one body: when identical blocking reads share an RPC (blocking-coalesce.ts), every
// waiter gets the same answer object, so its presentation and its JSON text are built once and reused. Keys are
// the answer objects themselves (weakly held: they go when the last waiter has been answered); answers are
// never modified after they arrive, which is what makes the reuse safe.

import type { FastifyReply } from 'fastify';

const presentedBySource = new WeakMap<object, Map<string, object>>();
const jsonByPayload = new WeakMap<object, string>();

/** `build()` once per (source, label); later callers with the same source object get the same result. */
export function presentOnce<T extends object>(source: object, label: string, build: () => T): T {
  let byLabel = presentedBySource.get(source);
  if (!byLabel) {
    byLabel = new Map();
    presentedBySource.set(source, byLabel);
  }
  const cached = byLabel.get(label);
  if (cached) return cached as T;
  const built = build();
  byLabel.set(label, built);
  return built;
}

/** JSON.stringify, remembered per payload object (fastify calls the reply's serializer with the payload). */
export function rememberedJson(payload: unknown): string {
  if (typeof payload !== 'object' || payload === null) return JSON.stringify(payload);
  const cached = jsonByPayload.get(payload);
  if (cached !== undefined) return cached;
  const text = JSON.stringify(payload);
  jsonByPayload.set(payload, text);
  return text;
}

/** Sends `payload` (from presentOnce) serialized once for all waiters; `?pretty` still wins (its hook runs later). */
export function sendShared(reply: FastifyReply, payload: object): object {
  // With a serializer of its own, fastify no longer labels the body as JSON; clients decode by this header.
  void reply.type('application/json; charset=utf-8');
  reply.serializer(rememberedJson);
  return payload;
}
