/**
 * Snapshots: the current picture of a video track as `ImageData`, drawn through a detached
 * `<video>` (the app's player may not exist, or may be hidden or scaled).
 */

/** How long to wait for a first picture. */
const SNAPSHOT_TIMEOUT_MS = 5000;

/** The current frame of `track`. Rejects with a plain `Error` when no frame comes. */
export async function snapshot(track: MediaStreamTrack): Promise<ImageData> {
  const video = document.createElement("video");
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  try {
    await withTimeout(video.play(), "the video did not start");
    await withTimeout(
      new Promise<void>((resolve) => {
        const check = () => (video.videoWidth > 0 ? resolve() : requestAnimationFrame(check));
        check();
      }),
      "no frame arrived",
    );
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    if (!ctx) throw new Error("no 2D canvas in this browser");
    ctx.drawImage(video, 0, 0);
    return ctx.getImageData(0, 0, canvas.width, canvas.height);
  } finally {
    video.pause();
    video.srcObject = null;
  }
}

function withTimeout<T>(p: Promise<T>, why: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${why} within ${SNAPSHOT_TIMEOUT_MS / 1000} s`)),
      SNAPSHOT_TIMEOUT_MS,
    );
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
