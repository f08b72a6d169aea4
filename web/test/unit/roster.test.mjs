// The Web SDK's roster and the restore of what the app subscribed to, after a rejoin the
// server could not resume: the same rule as the native SDK's roster
// (crates/sdk/src/machine/roster.rs), whose tests these mirror.
import { test, mock } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { Roster, RETURN_WINDOW_MS } = await load("room/roster.ts");
const { Reception } = await load("room/reception.ts");
const { RoomSession } = await load("room/session.ts");
const { StreamResults } = await load("room/results.ts");

const joined = (userId, extraInfo) => ({
  event: "onUserJoined",
  data: { userInfo: extraInfo === undefined ? { userId } : { userId, extraInfo } },
});
const publish = (userId, mediaType, screen = false) => ({
  event: screen ? "onUserPublishScreen" : "onUserPublishStream",
  data: { userId, mediaType },
});
const leave = (userId, reason) => ({ event: "onUserLeave", data: { userInfo: { userId }, reason } });

test("the others coming back after a rejoin are not announced again", () => {
  const roster = new Roster();
  for (const e of [joined("bob"), publish("bob", 3), joined("carol"), publish("carol", 2, true)])
    assert.ok(roster.admit(e));
  roster.rejoined(1000);
  assert.equal(roster.deadline, 1000 + RETURN_WINDOW_MS);
  // Bob comes back and publishes audio and video again, in two steps: nothing new.
  assert.ok(!roster.admit(joined("bob")));
  assert.ok(!roster.admit(publish("bob", 1)));
  assert.ok(!roster.admit(publish("bob", 2)));
  // Dave is new.
  assert.ok(roster.admit(joined("dave")));
  assert.ok(roster.admit(publish("dave", 1)));
  // Carol comes back with other extra info: the app hears of her again; her screen does not come back.
  assert.ok(roster.admit(joined("carol", "moved")));
  // Events the roster does not follow pass.
  assert.ok(roster.admit({ event: "onRoomMessageReceived", data: { userId: "bob", message: "hi" } }));
  assert.deepEqual(roster.close(1000 + RETURN_WINDOW_MS / 2), []);
  assert.deepEqual(roster.close(1000 + RETURN_WINDOW_MS), [
    { event: "onUserUnpublishScreen", data: { userId: "carol", mediaType: 2, reason: 3 } },
  ]);
  assert.equal(roster.deadline, null);
  // After the window, announcements pass as ever.
  assert.ok(roster.admit(publish("carol", 1)));
  assert.ok(roster.admit(publish("bob", 2)));
});

test("those who do not come back leave DROPPED when the window closes; a leave meanwhile is told once", () => {
  const roster = new Roster();
  for (const e of [joined("bob"), joined("erin"), joined("frank")]) assert.ok(roster.admit(e));
  roster.rejoined(0);
  // Erin left meanwhile, as the server says: the app hears it once.
  assert.ok(roster.admit(leave("erin", 0)));
  // A second rejoin before the window closed: Frank, back in between, is known; Bob still missing.
  assert.ok(!roster.admit(joined("frank")));
  roster.rejoined(5000);
  assert.deepEqual(roster.close(RETURN_WINDOW_MS), []);
  assert.ok(!roster.admit(joined("frank")));
  assert.deepEqual(roster.close(5000 + RETURN_WINDOW_MS), [
    { event: "onUserLeave", data: { userInfo: { userId: "bob" }, reason: 1 } },
  ]);
  // Bob joining later is news.
  assert.ok(roster.admit(joined("bob")));
});

test("subscriptions wait for their stream after a rejoin; layers and pauses are asked for at once", () => {
  const r = new Reception();
  r.subscription("bob", 0, 3, true);
  r.subscription("bob", 0, 1, false);
  r.subscription("carol", 1, 2, true);
  r.layer("bob", 1);
  // Audio and video paused, then audio resumed: video stays paused.
  r.pause(1, true);
  r.pause(2, true);
  r.pause(1, false);
  // Nothing is pending before a rejoin.
  assert.equal(r.published("bob", 0, 3), null);
  assert.deepEqual(r.rejoined(), { layers: [["bob", 1]], paused: 2 });
  // Bob's main audio was unsubscribed; his video comes back.
  assert.equal(r.published("bob", 0, 1), null);
  assert.deepEqual(r.published("bob", 0, 3), { userId: "bob", index: 0, mediaType: 2 });
  assert.equal(r.published("bob", 0, 2), null, "asked for once");
  assert.equal(r.published("carol", 0, 2), null, "her main stream was not subscribed");
  // Unsubscribed while waiting: not asked for again.
  r.subscription("carol", 1, 2, false);
  assert.equal(r.published("carol", 1, 2), null);
});

test("a rejoin the server did not resume subscribes again when the stream is back, and closes the window", async () => {
  const requests = [];
  let resumed = true;
  const connection = {
    ensure: async () => {},
    request: async (method, params) => {
      requests.push([method, params]);
      return method === "joinRoom" ? { resumed } : {};
    },
  };
  const conductor = {
    capture: { track: () => null },
    joined: () => {},
    left: () => {},
    publishChanged: async () => {},
    trackChanged: () => {},
  };
  const results = new StreamResults(
    () => {},
    () => s.room,
  );
  const announced = [];
  const s = new RoomSession(connection, conductor, {
    live: () => {},
    closeIfIdle: () => {},
    results,
    announce: (e) => announced.push(e),
  });
  await s.joinRoom("tok", "room", { userId: "me" }, { isAutoSubscribeAudio: false, isAutoSubscribeVideo: false });
  for (const e of [joined("bob"), publish("bob", 3)]) s.room.roster.admit(e);
  await s.subscription("subscribeStream", "bob", 2);
  await s.layer("bob", 0);
  await s.pause(3, true);
  await s.pause(1, false);
  // A resumed rejoin: the server kept everything; nothing is asked again.
  assert.equal(await s.restore(), false, "resumed");
  s.heard(publish("bob", 3));
  assert.deepEqual(
    requests.map(([m]) => m),
    [
      "joinRoom",
      "subscribeStream",
      "setRemoteSimulcastStreamType",
      "pauseAllSubscribedStream",
      "resumeAllSubscribedStream",
      "joinRoom",
    ],
  );
  requests.length = 0;
  resumed = false;
  // The return window's clock and timer, made up from here on.
  mock.timers.enable({ apis: ["setTimeout", "Date"] });
  assert.equal(await s.restore(), true, "a new session");
  assert.deepEqual(requests, [
    ["joinRoom", s.room.params],
    ["setRemoteSimulcastStreamType", { userId: "bob", streamType: 0 }],
    ["pauseAllSubscribedStream", { mediaType: 2 }],
  ]);
  s.heard(publish("bob", 1));
  assert.equal(requests.length, 3, "audio was not subscribed");
  s.heard(publish("bob", 2));
  assert.deepEqual(requests[3], ["subscribeStream", { userId: "bob", mediaType: 2 }]);
  // Bob never came back as far as the roster knows: the window closes with his leave.
  mock.timers.tick(RETURN_WINDOW_MS - 1);
  assert.deepEqual(announced, []);
  mock.timers.tick(1);
  mock.timers.reset();
  assert.deepEqual(announced, [{ event: "onUserLeave", data: { userInfo: { userId: "bob" }, reason: 1 } }]);
  await s.leave();
});
