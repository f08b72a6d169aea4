/**
 * Snapshots: the current picture of a video track as `ImageData`, drawn through a detached
 * `<video>` (the app's player may not exist, or may be hidden or scaled).
 */
/** The current frame of `track`. Rejects with a plain `Error` when no frame comes. */
export declare function snapshot(track: MediaStreamTrack): Promise<ImageData>;
