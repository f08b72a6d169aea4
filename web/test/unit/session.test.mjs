import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { RoomSession } = await load("room/session.ts");
const { rtcError } = await load("errors.ts");
const { StreamResults } = await load("room/results.ts");

/**
 * A session over a fake connection and media conductor. `answers` maps a method to what the server
 * answers (a function of the params, which may throw); unlisted methods answer `{}`.
 */
function session(answers = {}, { captured = [] } = {}) {
  const requests = [];
  const media = [];
  let closes = 0;
  const connection = {
    ensure: async () => {},
    request: async (method, params) => {
      requests.push([method, params]);
      const answer = answers[method];
      return answer ? answer(params) : {};
    },
  };
  const conductor = {
    capture: { track: (index, kind) => (index === 0 && captured.includes(kind) ? { kind } : null) },
    joined: () => media.push("joined"),
    left: () => media.push("left"),
    publishChanged: async () => media.push("publishChanged"),
    trackChanged: () => {},
  };
  const events = [];
  const results = new StreamResults(
    (name, data) => events.push({ name, data }),
    () => s.room,
  );
  const s = new RoomSession(connection, conductor, { live: () => {}, closeIfIdle: () => closes++, results });
  return { s, requests, media, events, methods: () => requests.map(([m]) => m), closes: () => closes };
}

/** Lets requests sent without waiting (capture state, auto publish) settle. */
const settle = () => new Promise((r) => setTimeout(r, 0));

test("joining reports what is captured and publishes it automatically", async () => {
  const t = session({}, { captured: ["audio", "video"] });
  await t.s.joinRoom("tok", "room", { userId: "me" }, {});
  await settle();
  assert.equal(t.s.room.roomId, "room");
  assert.deepEqual(t.methods(), ["joinRoom", "setCaptureState", "setCaptureState", "publishStream"]);
  assert.deepEqual(t.requests[3][1], { mediaType: 3 });
  assert.deepEqual(t.s.room.published, [3, 0]);
  assert.deepEqual(t.media, ["joined", "publishChanged"]);
});

test("without auto publish nothing is published", async () => {
  const t = session({}, { captured: ["audio"] });
  await t.s.joinRoom("tok", "room", { userId: "me" }, { isAutoPublish: false });
  await settle();
  assert.deepEqual(t.methods(), ["joinRoom", "setCaptureState"]);
});

test("bad arguments and a second join fail before anything is sent", async () => {
  const t = session();
  await assert.rejects(t.s.joinRoom("tok", "bad room", { userId: "me" }, {}), { code: "INVALID_PARAMS" });
  await assert.rejects(t.s.joinRoom("tok", "room", { userId: "me", extraInfo: "x".repeat(201) }, {}), {
    code: "INVALID_PARAMS",
  });
  assert.deepEqual(t.methods(), []);
  await t.s.joinRoom("tok", "room", { userId: "me" }, {});
  await assert.rejects(t.s.joinRoom("tok", "room", { userId: "me" }, {}), { code: "REPEAT_JOIN" });
});

test("a join refused for its token is retried by updateToken", async () => {
  const t = session({
    joinRoom: ({ token }) => {
      if (token === "old") throw rtcError("INVALID_TOKEN", "expired");
      return {};
    },
  });
  await assert.rejects(t.s.joinRoom("old", "room", { userId: "me" }, {}), { code: "INVALID_TOKEN" });
  assert.equal(t.s.room, null);
  assert.equal(t.closes(), 1);
  await t.s.updateToken("new");
  assert.equal(t.s.room.params.token, "new");
  assert.deepEqual(t.methods(), ["joinRoom", "joinRoom"]);
});

test("updateToken outside a room, with no failed join, is UPDATE_TOKEN_BEFORE_JOIN", async () => {
  await assert.rejects(session().s.updateToken("t"), { code: "UPDATE_TOKEN_BEFORE_JOIN" });
});

test("publishing needs a room and visibility", async () => {
  const t = session();
  await assert.rejects(t.s.publish(0, 1, "publishStream"), { code: "NOT_CONNECTED_YET" });
  await t.s.setVisibility(false);
  await t.s.joinRoom("tok", "room", { userId: "me" }, {});
  assert.equal(t.requests[0][1].visible, false);
  await assert.rejects(t.s.publish(0, 1, "publishStream"), { code: "NO_PUBLISH_PERMISSION" });
});

test("leaving in the middle of a publish cancels it", async () => {
  let leave;
  const t = session({ publishStream: () => leave() });
  leave = () => t.s.exit();
  await t.s.joinRoom("tok", "room", { userId: "me" }, {});
  await assert.rejects(t.s.publish(0, 2, "publishStream"), { code: "OPERATION_CANCEL" });
});

test("room messages need a room", async () => {
  const t = session();
  assert.throws(() => t.s.send("sendRoomMessage", { message: "hi" }, {}), { code: "USER_MESSAGE_NOT_JOIN" });
  await t.s.joinRoom("tok", "room", { userId: "me" }, {});
  await t.s.send("sendRoomMessage", { message: "hi" }, {});
  assert.deepEqual(t.requests.at(-1), ["sendRoomMessage", { message: "hi" }]);
});

test("leaving forgets the room and stops media; outside a room it sends nothing", async () => {
  const t = session();
  await t.s.leave();
  assert.deepEqual(t.methods(), []);
  await t.s.joinRoom("tok", "room", { userId: "me" }, {});
  await t.s.leave();
  assert.equal(t.s.room, null);
  assert.deepEqual(t.methods(), ["joinRoom", "leaveRoom"]);
  assert.deepEqual(t.media, ["joined", "left"]);
});

test("a rejoin the server did not resume publishes again what was published", async () => {
  const t = session({ joinRoom: () => ({ resumed: false }) }, { captured: ["video"] });
  await t.s.joinRoom("tok", "room", { userId: "me" }, {});
  await settle();
  t.s.room.users.set("u", { userInfo: { userId: "u" }, published: [3, 0] });
  t.requests.length = 0;
  await t.s.restore();
  await settle();
  assert.deepEqual(t.methods(), ["joinRoom", "setCaptureState", "publishStream"]);
  // The others stay known until they come back or the roster's return window closes.
  assert.equal(t.s.room.users.size, 1);
  assert.deepEqual(t.s.room.published, [2, 0]);
  await t.s.leave();
});

test("auto publish reports its result: success, then a refusal with the server's code", async () => {
  const ok = session({}, { captured: ["audio"] });
  await ok.s.joinRoom("tok", "room", { userId: "me" }, {});
  await settle();
  assert.deepEqual(ok.events, [
    { name: "onAutoPublishResult", data: { isScreen: false, state: 0 } },
    { name: "onPublishResult", data: { isScreen: false, isAutoPublish: true } },
  ]);
  const refused = session(
    {
      publishStream: () => {
        throw rtcError("TOKEN_NO_PUBLISH_PERMISSION", "no publish privilege");
      },
    },
    { captured: ["audio"] },
  );
  await refused.s.joinRoom("tok", "room", { userId: "me" }, {});
  await settle();
  assert.deepEqual(refused.events, [
    { name: "onAutoPublishResult", data: { isScreen: false, state: 1 } },
    {
      name: "onPublishResult",
      data: { isScreen: false, isAutoPublish: true, errorCode: "TOKEN_NO_PUBLISH_PERMISSION" },
    },
  ]);
});

test("auto publish for a user who joins invisible fails with NO_PUBLISH_PERMISSION, and publishes nothing", async () => {
  const t = session({}, { captured: ["audio"] });
  await t.s.setVisibility(false);
  await t.s.joinRoom("tok", "room", { userId: "me" }, {});
  await settle();
  assert.ok(!t.methods().includes("publishStream"));
  assert.deepEqual(t.events, [
    { name: "onAutoPublishResult", data: { isScreen: false, state: 1 } },
    { name: "onPublishResult", data: { isScreen: false, isAutoPublish: true, errorCode: "NO_PUBLISH_PERMISSION" } },
  ]);
});
