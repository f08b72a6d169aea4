/**
 * Placeholder pictures (`setDummyCaptureImagePath`): while a stream's camera is off but its
 * video is published, subscribers see a still image instead of nothing. The image is drawn,
 * scaled to fit the encoder's size with its aspect kept, on a black canvas whose track is sent
 * in the camera's place; the local preview never shows it, as with the vendor's SDK.
 * Depends on nothing of the engine: the conductor asks it for a track when the camera has none.
 */
import { StreamIndex } from "../generated/protocol";
/** The placeholder pictures of an engine's streams. */
export declare class DummyImages {
    private readonly size;
    private placeholders;
    /** `size()`: the encoder's width and height for stream `index`, when known. */
    constructor(size: (index: StreamIndex) => [number?, number?]);
    /**
     * Loads the image at `url` (http(s), data or blob URL) for stream `index`, replacing the one
     * before; "" removes it. Fails with LOAD_RESOURCES_FAILED when the image cannot be loaded.
     */
    set(index: StreamIndex, url: string): Promise<void>;
    /** The placeholder track of stream `index` (made on first use), or null when it has no image. */
    track(index: StreamIndex): MediaStreamTrack | null;
    /** Stops sending the placeholder of stream `index` (the camera is back); its image stays. */
    idle(index: StreamIndex): void;
    /** Removes every placeholder. */
    destroy(): void;
    private remove;
    private paint;
}
