/** A map (Tiled JSON or an in-code map) that MetaOffice cannot use. The message names what is wrong and where. */
export class MapFormatError extends Error {
  readonly code = 'MAP_INVALID';

  constructor(message: string) {
    super(message);
    this.name = 'MapFormatError';
  }
}

/** A caller passed a value that can never be right (a programming error, not bad user data). */
export class WorldArgumentError extends RangeError {
  readonly code = 'WORLD_INVALID_ARGUMENT';

  constructor(message: string) {
    super(message);
    this.name = 'WorldArgumentError';
  }
}
