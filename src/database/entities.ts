/** Every TypeORM entity, in one list shared by the app, the CLI data source and the drift check. */
export const ENTITIES: Function[] = [];
