import type { Connection } from "../signal/connection";
/**
 * One source of a public stream (the vendor's `PublicStreamLayoutRegion`): a user's camera or
 * screen in a room, which part of its picture shows (`sourceCrop`) and where it goes.
 */
export interface PublicStreamRegionParam {
    /** The publishing user. */
    userId: string;
    /** The room the user publishes in. */
    roomId: string;
    /** The screen share rather than the camera. */
    isScreenStream: boolean;
    /** Left edge, a share of the output width in [0, 1) (default 0). */
    x?: number;
    /** Top edge, a share of the output height in [0, 1) (default 0). */
    y?: number;
    /** Width, a share of the output width in (0, 1] (default 1). */
    w?: number;
    /** Height, a share of the output height in (0, 1] (default 1). */
    h?: number;
    /** Stacking order, 0 (bottom) to 100 (default 0). */
    zorder?: number;
    /** Opacity in (0, 1] (default 1). */
    alpha?: number;
    /** 1 cover and crop (default), 2 fit inside, 3 stretch. */
    renderMode?: number;
    /** A `PublicStreamType`: 0 audio and video (default), 1 audio only, 2 video only. */
    mediaType?: number;
    /**
     * The part of the picture shown, as shares of its size: x, y in [0, 1), w, h in (0, 1], inside
     * the picture (the whole picture by default); then scaled per `renderMode`.
     */
    sourceCrop?: {
        x: number;
        y: number;
        w: number;
        h: number;
    };
}
/**
 * A public stream's parameters (the vendor's `PublicStreamConfig`). `layout.interpolationMode`
 * is accepted and not applied (a stalled source always keeps its last picture, the vendor's
 * default). `layout.backgroundImage`, an http(s) URL of a PNG or JPEG (at most 1024 bytes), is
 * fetched by the server and painted under the regions; one it cannot fetch or decode leaves the
 * background colour.
 */
export interface PublicStreamConfig {
    /** The output video: even width and height (640x360 by default), fps (15), kbit/s. */
    video?: {
        width?: number;
        height?: number;
        fps?: number;
        kBitRate: number;
    };
    /** The layout: background colour `#RRGGBB` (black by default) and at most 17 regions. */
    layout?: {
        interpolationMode?: number;
        backgroundColor?: string;
        backgroundImage?: string;
        regions?: PublicStreamRegionParam[];
    };
}
/**
 * Sends `startPushPublicStream` or `updatePublicStreamParam` for `id`. Outside a room:
 * NOT_CONNECTED_YET; a malformed id or parameter: INVALID_PARAMS; the server adds REPEAT_PUSH
 * (pushed already) and STREAM_NOT_EXIST (an update of one not pushed).
 */
export declare function pushPublicStream(connection: Connection, inRoom: boolean, method: "startPushPublicStream" | "updatePublicStreamParam", id: string, config: Partial<PublicStreamConfig>): Promise<void>;
/** Sends `stopPushPublicStream` for `id`; STREAM_NOT_EXIST when it is not pushed. */
export declare function stopPublicStream(connection: Connection, inRoom: boolean, id: string): Promise<void>;
/**
 * `onPushPublicStreamResult`'s payload for public stream `id`: 200 when pushed; when `error`
 * is given, 1191 for a bad parameter (INVALID_PARAMS) and 1193 for any other failure, with
 * the error's code and message.
 */
export declare function pushResult(id: string, error?: unknown): {
    code: number;
    message: string;
};
