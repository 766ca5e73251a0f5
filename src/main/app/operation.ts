import type { z } from 'zod';
import type { Api, Method } from '../../shared/api';

/** A call's request after its schema has checked it: what every app operation behind an api method takes. */
export type Validated<M extends Method> = z.output<Api[M]['request']>;
