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

/** Aliases a browser lists besides the devices. */
const ALIASES = new Set(["default", "communications"]);

/** Whether `list` names devices (with permission), not only their kinds. */
function identified(list: MediaDeviceInfo[]): boolean {
  return list.some((d) => d.deviceId !== "");
}

/** The devices of `list` by kind and id, aliases left out. */
function byKey(list: MediaDeviceInfo[]): Map<string, MediaDeviceInfo> {
  const out = new Map<string, MediaDeviceInfo>();
  for (const d of list) if (d.deviceId && !ALIASES.has(d.deviceId)) out.set(`${d.kind}\u0000${d.deviceId}`, d);
  return out;
}

/**
 * The devices that appeared in `after` (`active`) and went from `before` (`inactive`); none
 * when either list lacks ids.
 */
export function deviceChanges(before: MediaDeviceInfo[], after: MediaDeviceInfo[]): DeviceInfo[] {
  if (!identified(before) || !identified(after)) return [];
  const [was, now] = [byKey(before), byKey(after)];
  const changes: DeviceInfo[] = [];
  for (const [key, d] of was) if (!now.has(key)) changes.push({ mediaDeviceInfo: d, deviceState: "inactive" });
  for (const [key, d] of now) if (!was.has(key)) changes.push({ mediaDeviceInfo: d, deviceState: "active" });
  return changes;
}

/** The event a device's change goes out as. */
export function eventFor(kind: MediaDeviceKind): "onVideoDeviceStateChanged" | "onAudioDeviceStateChanged" {
  return kind === "videoinput" ? "onVideoDeviceStateChanged" : "onAudioDeviceStateChanged";
}

/** Watches one engine's device list while the engine lives. */
export class DeviceWatch {
  private last: MediaDeviceInfo[] = [];
  /** Lists run one after another, so each change is compared with the list just before. */
  private chain: Promise<void> = Promise.resolve();
  private readonly onChange = () => this.refresh(true);

  constructor(private readonly emit: (event: string, info: DeviceInfo) => void) {
    const devices = typeof navigator !== "undefined" ? navigator.mediaDevices : undefined;
    if (!devices?.enumerateDevices) return;
    devices.addEventListener("devicechange", this.onChange);
    this.refresh(false);
  }

  /**
   * Lists the devices again without reporting (permission may have just been granted, which
   * shows ids the last list did not have).
   */
  resnap(): void {
    this.refresh(false);
  }

  /** Stops watching. */
  destroy(): void {
    navigator.mediaDevices?.removeEventListener?.("devicechange", this.onChange);
  }

  private refresh(report: boolean): void {
    this.chain = this.chain.then(async () => {
      const now = await navigator.mediaDevices.enumerateDevices().catch(() => null);
      if (!now) return;
      const changes = report ? deviceChanges(this.last, now) : [];
      this.last = now;
      for (const change of changes) this.emit(eventFor(change.mediaDeviceInfo.kind), change);
    });
  }
}
