export { TILE_SIZE, DIRECTIONS, type Direction, type TilePos } from './tile.js';
export { MapFormatError, WorldArgumentError } from './errors.js';
export { ZONE_KINDS, isZoneKind, zoneContains, type Zone, type ZoneKind } from './zone.js';
export {
  COLLIDE_PROPERTY,
  MAX_MAP_SIDE,
  parseTiledMap,
  type ParsedTiledMap,
  type TiledGroupLayerJson,
  type TiledLayerJson,
  type TiledMapJson,
  type TiledObjectGroupJson,
  type TiledObjectJson,
  type TiledPropertyJson,
  type TiledTileLayerJson,
  type TiledTilesetJson,
} from './tiled.js';
export { OfficeMap, type OfficeMapInit } from './office-map.js';
export {
  MAP_LIMITS,
  TILE_LAYER_NAMES,
  ZONE_PROPERTIES,
  ZONES_LAYER_NAME,
  validateTiledMap,
  type MapLimits,
  type MapProblem,
  type TiledValidation,
  type TilesetRule,
  type ValidateTiledMapOptions,
} from './tiled-validate.js';
export {
  checkStep,
  directionBetween,
  isAdjacent4,
  isAdjacent8,
  stepFrom,
  type StepRejection,
  type StepVerdict,
} from './movement.js';
export { STEP_BURST, STEPS_PER_SECOND, StepRateLimiter } from './step-rate-limiter.js';
export { DEFAULT_MAX_PATH_NODES, findPath, nearestWalkable, type FindPathOptions } from './pathfinding.js';
export { AOI_CELL_TILES, AoiGrid, EMPTY_RECT, type CellRect } from './aoi.js';
export {
  ConversationRules,
  DEFAULT_CONVERSATION_CAP,
  DEFAULT_STILL_MS,
  type ConversationChange,
  type ConversationKind,
  type ConversationRulesOptions,
  type ConversationView,
  type PersonState,
  type RefusalReason,
} from './conversation-rules.js';
export { ASCII_GIDS, ASCII_LEGEND, tiledFromAscii, type AsciiZone, type TiledFromAsciiOptions } from './testing.js';
