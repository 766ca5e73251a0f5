/** `groupId` → `group_id`: the name of a record's field as a column of the database. */
type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S;

/** A record's fields under their column names: the shape of a row as better-sqlite3 returns it. */
export type ColumnsOf<T> = { [K in keyof T & string as SnakeCase<K>]: T[K] };
