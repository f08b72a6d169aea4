/**
 * Audio mixing's entry: one {@link AudioMixingManager} per engine, made on the first
 * `getAudioMixingManager()` and wired into the media conductor, which then asks it what the
 * main audio m-line sends and destroys it with the engine.
 */
import { StreamIndex } from "../../generated/protocol";
import type { MediaConductor } from "../conductor";
import { AudioMixingManager } from "./manager";

export { AudioMixingManager, PCM_MIXING_ID, type MixOption } from "./manager";

const managers = new WeakMap<MediaConductor, AudioMixingManager>();

/** The mixing manager of the engine whose media is `media`. */
export function audioMixingOf(
  media: MediaConductor,
  emit: (event: string, ...args: unknown[]) => void,
): AudioMixingManager {
  let manager = managers.get(media);
  if (!manager) {
    const main = StreamIndex.STREAM_INDEX_MAIN;
    manager = new AudioMixingManager({
      emit,
      sendingChanged: () => media.trackChanged(main, "audio", media.capture.track(main, "audio")),
    });
    managers.set(media, manager);
    media.mixing = manager;
  }
  return manager;
}
