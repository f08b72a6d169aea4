/**
 * Device plugging (`onVideoDeviceStateChanged`, `onAudioDeviceStateChanged`): a browser says
 * only that its device list changed (`devicechange`), so the SDK lists the devices again and
 * reports each one that appeared (`active`) or went away (`inactive`) since the last list.
 * Devices are told apart by kind and id, which a browser shows only with permission to
 * capture; a list without ids (no permission yet) is remembered and reports nothing, as the
 * vendor's events need that permission too. The `default` and `communications` entries are
 * aliases of real devices, not devices, and are left out. Depends on nothing of the engine.
 */
/** A device and its state (the vendor's `DeviceInfo`). */
export interface DeviceInfo {
    /** The browser's description of the device. */
    mediaDeviceInfo: MediaDeviceInfo;
    /** `active`: connected; `inactive`: disconnected. */
    deviceState: "active" | "inactive";
}
/**
 * The devices that appeared in `after` (`active`) and went from `before` (`inactive`); none
 * when either list lacks ids.
 */
export declare function deviceChanges(before: MediaDeviceInfo[], after: MediaDeviceInfo[]): DeviceInfo[];
/** The event a device's change goes out as. */
export declare function eventFor(kind: MediaDeviceKind): "onVideoDeviceStateChanged" | "onAudioDeviceStateChanged";
/** Watches one engine's device list while the engine lives. */
export declare class DeviceWatch {
    private readonly emit;
    private last;
    /** Lists run one after another, so each change is compared with the list just before. */
    private chain;
    private readonly onChange;
    constructor(emit: (event: string, info: DeviceInfo) => void);
    /**
     * Lists the devices again without reporting (permission may have just been granted, which
     * shows ids the last list did not have).
     */
    resnap(): void;
    /** Stops watching. */
    destroy(): void;
    private refresh;
}
