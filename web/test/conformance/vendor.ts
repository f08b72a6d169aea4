/**
 * Chorus against the vendor's typings (@volcengine/rtc 4.68.4), at the type level: an engine
 * must be usable where an app expects the vendor's `IRTCEngine`, `VERTC` where it expects the
 * vendor's default export, and the named exports where it imports the vendor's. What Chorus
 * does not have yet is listed in `Omit<...>`s below, grouped by the issue that brings it: the
 * lists are the honest to-do and may only shrink (a member listed that Chorus has fails the
 * check at the bottom). Run it with `npm run conformance`.
 */
import type EventEmitter from "eventemitter3";
import type { IEngineEvents, IRTCEngine, IWTNStream, IWTNStreamEvents } from "@volcengine/rtc";
import type VendorVERTC from "@volcengine/rtc";
import type * as VendorModule from "@volcengine/rtc";
import VERTC, * as Chorus from "../../src/index";
import type { FiredEvents } from "../../src/payloads";
import type { WTNStreamEvents } from "../../src/room/wtn_events";

/** Engine members that come with capability issues of their own. */
type CapabilityToDo =
  // None left: public and WTN streams and live transcoding are in.
  never;

/** Engine members still to do in the vendor parity issue itself: none left. */
type ParityToDo = never;

/**
 * The event emitter's face, checked apart: its methods return `this`, which in `IRTCEngine`
 * means the whole vendor engine, so they are checked against eventemitter3's own class, with
 * any event name (Chorus's engine takes any, as eventemitter3 does); the events' payloads are
 * checked below, event by event.
 */
type EmitterFace = keyof EventEmitter | "safeEmit" | "asyncEmit";

/** Engine members Chorus has, with another signature than the vendor's (parity issue, media). */
type SignatureToDo = never;

/** The engine as far as Chorus has it. */
type ChorusIRTCEngine = Omit<
  IRTCEngine,
  CapabilityToDo | ParityToDo | SignatureToDo | EmitterFace | "getWTNStreamManager"
> &
  EventEmitter &
  Pick<IRTCEngine, "safeEmit" | "asyncEmit"> & { getWTNStreamManager: () => ChorusIWTNStream };

/** The WTN stream manager, its emitter face checked as the engine's (above). */
type ChorusIWTNStream = Omit<IWTNStream, EmitterFace> & EventEmitter & Pick<IWTNStream, "safeEmit" | "asyncEmit">;

declare const engine: Chorus.RTCEngine;
export const engineConforms: ChorusIRTCEngine = engine;

/** `VERTC` members still to do. */
type VertcToDo =
  // Electron capture sources (no Electron support yet).
  | "getElectronScreenSources"
  // Its engine adds setRemoteScreenVideoStreamIndex to IRTCEngine.
  | "createBLWEngine";

/** `VERTC`, with `createEngine` making the engine above and `destroyEngine` taking it. */
type ChorusVERTC = Omit<typeof VendorVERTC, VertcToDo | "createEngine" | "destroyEngine"> & {
  createEngine: (appId: string, config?: Parameters<(typeof VendorVERTC)["createEngine"]>[1]) => ChorusIRTCEngine;
  destroyEngine: (engine: Chorus.RTCEngine) => void;
};
export const vertcConforms: ChorusVERTC = VERTC;

export const namedExportsConform: Omit<typeof VendorModule, "default"> = Chorus;

/** The vendor's events Chorus does not fire yet, grouped as the members above. */
type EventsToDo =
  // Live transcoding: the vendor's deprecated event, which onStreamMixingEvent replaced.
  "onLiveTranscodingResult";

/** Events Chorus fires whose payload is not yet the vendor's declared one: none left. */
type PayloadToDo = never;

/** The vendor's events by name (its interface keys them by enum member). */
type VendorEvents = { [E in keyof IEngineEvents as `${E & string}`]: IEngineEvents[E] };

/** A listed `a` that is not `b`, or a `b` not listed: either way the list is wrong. */
type Differ<A, B> = Exclude<A, B> | Exclude<B, A>;

// Chorus fires exactly the vendor's events not listed as to do.
type EventsListWrong = Differ<EventsToDo, Exclude<keyof VendorEvents, keyof FiredEvents>>;
export const eventsToDoIsExact: [EventsListWrong] extends [never] ? true : EventsListWrong = true;

// A handler typed for the vendor's payload accepts what Chorus passes, but for the listed events.
type PayloadDiffers = {
  [K in keyof FiredEvents & keyof VendorEvents]: VendorEvents[K] extends FiredEvents[K] ? never : K;
}[keyof FiredEvents & keyof VendorEvents];
type PayloadListWrong = Differ<PayloadToDo, PayloadDiffers>;
export const payloadToDoIsExact: [PayloadListWrong] extends [never] ? true : PayloadListWrong = true;

// Every event Chorus fires is one of the vendor's.
type NotVendorEvents = Exclude<keyof FiredEvents, keyof VendorEvents>;
export const firesOnlyVendorEvents: [NotVendorEvents] extends [never] ? true : NotVendorEvents = true;

// A member listed as to do that Chorus has is an error here: take it off the list.
type Done = Extract<CapabilityToDo | ParityToDo, keyof Chorus.RTCEngine> | Extract<VertcToDo, keyof typeof VERTC>;
export const noListedMemberIsDone: [Done] extends [never] ? true : Done = true;

// The WTN manager fires exactly the vendor's WTN events, each with a payload a handler typed
// for the vendor's accepts.
type VendorWTNEvents = { [E in keyof IWTNStreamEvents as `${E & string}`]: IWTNStreamEvents[E] };
type WTNListWrong = Differ<keyof VendorWTNEvents, keyof WTNStreamEvents>;
export const wtnEventsAreExact: [WTNListWrong] extends [never] ? true : WTNListWrong = true;
type WTNPayloadDiffers = {
  [K in keyof WTNStreamEvents & keyof VendorWTNEvents]: VendorWTNEvents[K] extends WTNStreamEvents[K] ? never : K;
}[keyof WTNStreamEvents & keyof VendorWTNEvents];
export const wtnPayloadsConform: [WTNPayloadDiffers] extends [never] ? true : WTNPayloadDiffers = true;
