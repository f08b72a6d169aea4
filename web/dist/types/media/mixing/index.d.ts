import type { MediaConductor } from "../conductor";
import { AudioMixingManager } from "./manager";
export { AudioMixingManager, PCM_MIXING_ID, type MixOption } from "./manager";
/** The mixing manager of the engine whose media is `media`. */
export declare function audioMixingOf(media: MediaConductor, emit: (event: string, ...args: unknown[]) => void): AudioMixingManager;
