/** Facing and stepping directions; movement is on the 4-neighbourhood. Same values as grid-engine's. */
export type Direction = 'up' | 'down' | 'left' | 'right';
