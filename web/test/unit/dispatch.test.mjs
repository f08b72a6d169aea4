import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const dispatchModule = await load("dispatch.ts");
const { dispatchServerEvent } = dispatchModule;
const { RoomState } = await load("room/state.ts");
const { REMOVED_FROM_ROOM } = await load("generated/protocol.ts");

/** Hooks that record what dispatching asked for. */
function recorder(room) {
  const calls = [];
  const hooks = {
    room: () => room,
    subscriberOffer: (offer) => calls.push(["subscriberOffer", offer]),
    removedFromRoom: () => {
      calls.push(["removedFromRoom"]);
      room = null;
    },
    loginEnded: () => calls.push(["loginEnded"]),
    emit: (name, payload) => calls.push(["emit", name, payload]),
  };
  return { calls, hooks };
}

const joinedRoom = () => new RoomState({ token: "t", roomId: "r", userInfo: { userId: "me" }, roomConfig: {} });

test("the subscriber offer goes to media and never to the app", () => {
  const { calls, hooks } = recorder(joinedRoom());
  const data = { sdp: "v=0", tracks: [] };
  dispatchServerEvent({ event: "onSubscriberOffer", data }, hooks);
  assert.deepEqual(calls, [["subscriberOffer", data]]);
});

test("each removal code leaves the room before the app hears of it", () => {
  for (const errorCode of REMOVED_FROM_ROOM) {
    const { calls, hooks } = recorder(joinedRoom());
    const data = { errorCode, message: "bye" };
    dispatchServerEvent({ event: "onError", data }, hooks);
    assert.deepEqual(calls, [["removedFromRoom"], ["emit", "onError", data]], errorCode);
  }
});

test("a removal outside a room, or another error, leaves nothing", () => {
  const { calls, hooks } = recorder(null);
  dispatchServerEvent({ event: "onError", data: { errorCode: "KICKED_OUT", message: "" } }, hooks);
  const room = recorder(joinedRoom());
  dispatchServerEvent({ event: "onError", data: { errorCode: "UNEXPECTED_ERROR", message: "" } }, room.hooks);
  assert.deepEqual(
    calls.map((c) => c[0]),
    ["emit"],
  );
  assert.deepEqual(
    room.calls.map((c) => c[0]),
    ["emit"],
  );
});

test("the server ending the login forgets it", () => {
  for (const errorCode of ["RTM_DUPLICATE_LOGIN", "RTM_TOKEN_ERROR"]) {
    const { calls, hooks } = recorder(null);
    dispatchServerEvent({ event: "onError", data: { errorCode, message: "" } }, hooks);
    assert.deepEqual(
      calls.map((c) => c[0]),
      ["loginEnded", "emit"],
      errorCode,
    );
  }
});

test("the room learns who is there and what they publish before the app is told", () => {
  const room = joinedRoom();
  const { calls, hooks } = recorder(room);
  hooks.emit = (name) => calls.push([name, room.remotePublishes("u", 0, 1), room.users.has("u")]);
  dispatchServerEvent({ event: "onUserJoined", data: { userInfo: { userId: "u" } } }, hooks);
  dispatchServerEvent({ event: "onUserPublishStream", data: { userId: "u", mediaType: 3 } }, hooks);
  dispatchServerEvent({ event: "onUserUnpublishStream", data: { userId: "u", mediaType: 1, reason: 0 } }, hooks);
  assert.equal(room.remotePublishes("u", 0, 2), true);
  dispatchServerEvent({ event: "onUserPublishScreen", data: { userId: "u", mediaType: 2 } }, hooks);
  assert.equal(room.remotePublishes("u", 1, 2), true);
  dispatchServerEvent({ event: "onUserLeave", data: { userInfo: { userId: "u" }, reason: 0 } }, hooks);
  assert.deepEqual(calls, [
    ["onUserJoined", false, true],
    ["onUserPublishStream", true, true],
    ["onUserUnpublishStream", false, true],
    ["onUserPublishScreen", false, true],
    ["onUserLeave", false, false],
  ]);
});

test("binary messages reach the app as ArrayBuffers; text stays text", () => {
  const { calls, hooks } = recorder(joinedRoom());
  for (const event of [
    "onUserBinaryMessageReceived",
    "onRoomBinaryMessageReceived",
    "onUserBinaryMessageReceivedOutsideRoom",
  ]) {
    dispatchServerEvent({ event, data: { userId: "u", message: btoa("\x00\x01\xff") } }, hooks);
  }
  dispatchServerEvent({ event: "onRoomMessageReceived", data: { userId: "u", message: "AAH/" } }, hooks);
  const payloads = calls.map(([, , payload]) => payload);
  for (const p of payloads.slice(0, 3)) {
    assert.equal(p.userId, "u");
    assert.deepEqual([...new Uint8Array(p.message)], [0, 1, 255]);
  }
  assert.equal(payloads[3].message, "AAH/");
});

test("onUserJoined reaches the app with the vendor's publishState, from what the room knows", () => {
  const room = joinedRoom();
  const { calls, hooks } = recorder(room);
  dispatchServerEvent({ event: "onUserJoined", data: { userInfo: { userId: "u", extraInfo: "x" } } }, hooks);
  assert.deepEqual(calls, [
    [
      "emit",
      "onUserJoined",
      {
        userInfo: { userId: "u", extraInfo: "x" },
        publishState: { audio: false, video: false, screenAudio: false, screenVideo: false },
      },
    ],
  ]);
  // A user the room already sees publishing (a rejoin after a drop) is reported as such.
  dispatchServerEvent({ event: "onUserPublishStream", data: { userId: "u", mediaType: 3 } }, hooks);
  dispatchServerEvent({ event: "onUserPublishScreen", data: { userId: "u", mediaType: 2 } }, hooks);
  const { appPayload } = dispatchModule;
  assert.deepEqual(appPayload({ event: "onUserJoined", data: { userInfo: { userId: "u" } } }, room).publishState, {
    audio: true,
    video: true,
    screenAudio: false,
    screenVideo: true,
  });
});

test("each stay in a room has its own call id, a UUID", () => {
  const [a, b] = [joinedRoom(), joinedRoom()];
  assert.match(a.callId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(a.callId, b.callId);
});

test("a forward's failed rooms reach the app as onForwardStreamError, nothing else of forwarding does", () => {
  const { calls, hooks } = recorder(joinedRoom());
  const failed = { roomId: "b", state: 1, error: 1204 };
  const infos = [{ roomId: "a", state: 0, error: 0 }, failed];
  dispatchServerEvent({ event: "onForwardStreamStateChanged", data: { infos } }, hooks);
  dispatchServerEvent({ event: "onForwardStreamEvent", data: { infos: [{ roomId: "b", event: 0 }] } }, hooks);
  assert.deepEqual(calls, [["emit", "onForwardStreamError", failed]]);
});
