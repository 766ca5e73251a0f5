export interface Migration {
  /** Applied in ascending order; the database records the highest applied version. */
  version: number;
  name: string;
  sql: string;
}
