// A smaller Phaser for the production bundle (see vite.config.ts): the full build minus physics (Arcade and
// Matter), sound and the optional plugins, none of which the office uses. It is a third of Phaser's code that the
// browser no longer parses and evaluates before the own avatar can appear. Types still come from 'phaser'.
import 'phaser/src/polyfills/requestVideoFrame.js';
import CONST from 'phaser/src/const.js';
import Extend from 'phaser/src/utils/object/Extend.js';
import Actions from 'phaser/src/actions/index.js';
import Animations from 'phaser/src/animations/index.js';
import BlendModes from 'phaser/src/renderer/BlendModes.js';
import Cache from 'phaser/src/cache/index.js';
import Cameras from 'phaser/src/cameras/index.js';
import Core from 'phaser/src/core/index.js';
import Class from 'phaser/src/utils/Class.js';
import Create from 'phaser/src/create/index.js';
import Curves from 'phaser/src/curves/index.js';
import Data from 'phaser/src/data/index.js';
import Display from 'phaser/src/display/index.js';
import DOM from 'phaser/src/dom/index.js';
import Events from 'phaser/src/events/index.js';
import FX from 'phaser/src/fx/index.js';
import Game from 'phaser/src/core/Game.js';
import GameObjects from 'phaser/src/gameobjects/index.js';
import Geom from 'phaser/src/geom/index.js';
import Input from 'phaser/src/input/index.js';
import Loader from 'phaser/src/loader/index.js';
import PhaserMath from 'phaser/src/math/index.js';
import Plugins from 'phaser/src/plugins/index.js';
import Renderer from 'phaser/src/renderer/index.js';
import Scale from 'phaser/src/scale/index.js';
import ScaleModes from 'phaser/src/renderer/ScaleModes.js';
import Scene from 'phaser/src/scene/Scene.js';
import Scenes from 'phaser/src/scene/index.js';
import Structs from 'phaser/src/structs/index.js';
import Textures from 'phaser/src/textures/index.js';
import Tilemaps from 'phaser/src/tilemaps/index.js';
import Time from 'phaser/src/time/index.js';
import Tweens from 'phaser/src/tweens/index.js';
import Utils from 'phaser/src/utils/index.js';

const Phaser = Extend(false, {
  Actions, Animations, BlendModes, Cache, Cameras, Core, Class, Create, Curves, Data, Display, DOM, Events, FX, Game,
  GameObjects, Geom, Input, Loader, Math: PhaserMath, Plugins, Renderer, Scale, ScaleModes, Scene, Scenes, Structs,
  Textures, Tilemaps, Time, Tweens, Utils,
}, CONST);

export default Phaser;
export {
  Actions, Animations, BlendModes, Cache, Cameras, Core, Class, Create, Curves, Data, Display, DOM, Events, FX, Game,
  GameObjects, Geom, Input, Loader, PhaserMath as Math, Plugins, Renderer, Scale, ScaleModes, Scene, Scenes, Structs,
  Textures, Tilemaps, Time, Tweens, Utils,
};
export const { VERSION, AUTO, CANVAS, WEBGL, HEADLESS, FOREVER, NONE, UP, DOWN, LEFT, RIGHT } = CONST;
