import type { z } from 'zod';

/** True only when A and B are the same type: every field, optional or not, with the same type on both sides. */
type Same<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

/**
 * A schema that checks a hand-written type, tied to it: returns the schema unchanged, and compiles only
 * while the schema parses to exactly `T`. A field added, removed or retyped on one side fails `tsc` (the
 * schema "is missing the property 'parses to exactly'") until the other side follows.
 */
export const schemaOf =
  <T>() =>
  <S extends z.ZodType>(schema: S & (Same<z.output<S>, T> extends true ? unknown : { 'parses to exactly': T })): S =>
    schema;
