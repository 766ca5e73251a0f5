// The request schemas in shared/api.ts are tied to the domain types they check by schemaOf. The lines
// expecting a type error are the test: `tsc` fails if schemaOf ever accepts a schema that has drifted.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { schemaOf } from '../../src/shared/schema-of';

interface Filter {
  label?: number;
  groupId?: string;
}

describe('schemaOf', () => {
  it('returns a schema that parses to exactly its type, unchanged', () => {
    const schema = z.object({ label: z.number().optional(), groupId: z.string().optional() });
    expect(schemaOf<Filter>()(schema)).toBe(schema);
  });

  it('refuses, at compile time, a schema that lacks a field, has one more, or types one otherwise', () => {
    // @ts-expect-error an optional field of the type is missing from the schema
    schemaOf<Filter>()(z.object({ label: z.number().optional() }));
    // @ts-expect-error the schema has a field the type does not
    schemaOf<Filter>()(z.object({ label: z.number().optional(), groupId: z.string().optional(), eye: z.string().optional() }));
    // @ts-expect-error a field of another type
    schemaOf<Filter>()(z.object({ label: z.string().optional(), groupId: z.string().optional() }));
    // @ts-expect-error a field required in the schema but optional in the type
    schemaOf<Filter>()(z.object({ label: z.number(), groupId: z.string().optional() }));
  });
});
