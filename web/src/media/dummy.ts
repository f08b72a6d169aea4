/**
 * Placeholder pictures (`setDummyCaptureImagePath`): while a stream's camera is off but its
 * video is published, subscribers see a still image instead of nothing. The image is drawn,
 * scaled to fit the encoder's size with its aspect kept, on a black canvas whose track is sent
 * in the camera's place; the local preview never shows it, as with the vendor's SDK.
 * Depends on nothing of the engine: the conductor asks it for a track when the camera has none.
 */
import { ErrorCode, StreamIndex } from "../generated/protocol";
import { rtcError } from "../errors";

/** The canvas size when the encoder has none: the vendor's default 640x480. */
const DEFAULT_SIZE: [number, number] = [640, 480];

/** How often the canvas is painted again, so the encoder keeps getting frames. */
const REPAINT_MS = 200;

interface Placeholder {
  image: HTMLImageElement;
  canvas: HTMLCanvasElement;
  track: MediaStreamTrack | null;
  timer: ReturnType<typeof setInterval> | null;
}

/** The placeholder pictures of an engine's streams. */
export class DummyImages {
  private placeholders = new Map<StreamIndex, Placeholder>();

  /** `size()`: the encoder's width and height for stream `index`, when known. */
  constructor(private readonly size: (index: StreamIndex) => [number?, number?]) {}

  /**
   * Loads the image at `url` (http(s), data or blob URL) for stream `index`, replacing the one
   * before; "" removes it. Fails with LOAD_RESOURCES_FAILED when the image cannot be loaded.
   */
  async set(index: StreamIndex, url: string): Promise<void> {
    if (typeof url !== "string")
      throw rtcError(ErrorCode.INVALID_PARAMS, 'setDummyCaptureImagePath: pass the image\'s URL (or "" to remove it)');
    if (url === "") {
      this.remove(index);
      return;
    }
    const image = new Image();
    image.crossOrigin = "anonymous";
    image.src = url;
    try {
      await image.decode();
    } catch {
      throw rtcError(
        ErrorCode.LOAD_RESOURCES_FAILED,
        `setDummyCaptureImagePath: the image at ${url} could not be loaded; pass a JPG, PNG or BMP the page may fetch`,
      );
    }
    this.remove(index);
    this.placeholders.set(index, { image, canvas: document.createElement("canvas"), track: null, timer: null });
  }

  /** The placeholder track of stream `index` (made on first use), or null when it has no image. */
  track(index: StreamIndex): MediaStreamTrack | null {
    const p = this.placeholders.get(index);
    if (!p) return null;
    if (p.track?.readyState === "live") return p.track;
    this.paint(index, p);
    p.track = p.canvas.captureStream(1000 / REPAINT_MS).getVideoTracks()[0] ?? null;
    p.timer ??= setInterval(() => this.paint(index, p), REPAINT_MS);
    return p.track;
  }

  /** Stops sending the placeholder of stream `index` (the camera is back); its image stays. */
  idle(index: StreamIndex): void {
    const p = this.placeholders.get(index);
    if (!p) return;
    if (p.timer) clearInterval(p.timer);
    p.timer = null;
    p.track?.stop();
    p.track = null;
  }

  /** Removes every placeholder. */
  destroy(): void {
    for (const index of [...this.placeholders.keys()]) this.remove(index);
  }

  private remove(index: StreamIndex): void {
    const p = this.placeholders.get(index);
    if (!p) return;
    if (p.timer) clearInterval(p.timer);
    p.track?.stop();
    this.placeholders.delete(index);
  }

  private paint(index: StreamIndex, p: Placeholder): void {
    const [w, h] = this.size(index);
    const [width, height] = [w ?? DEFAULT_SIZE[0], h ?? DEFAULT_SIZE[1]];
    if (p.canvas.width !== width) p.canvas.width = width;
    if (p.canvas.height !== height) p.canvas.height = height;
    const ctx = p.canvas.getContext("2d");
    if (!ctx) return;
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, width, height);
    const scale = Math.min(width / p.image.naturalWidth, height / p.image.naturalHeight, 1);
    const [dw, dh] = [p.image.naturalWidth * scale, p.image.naturalHeight * scale];
    ctx.drawImage(p.image, (width - dw) / 2, (height - dh) / 2, dw, dh);
  }
}
