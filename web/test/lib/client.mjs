// Drives one Web SDK engine in a page: joins with a /dev/token token, records every event,
// and shows others' video as it is published.

/**
 * Installs `window.t` (engine, events, helpers) in `page` and joins `roomId` as `userId`, with
 * `token`, or one from the dev endpoint; `roomConfig` adds to the join's room config.
 */
export async function joinWithMedia(
  page,
  appId,
  roomId,
  userId,
  { audio = true, video = true, token = null, roomConfig = {} } = {},
) {
  await page.evaluate(
    async ({ appId, roomId, userId, audio, video, token: given, roomConfig }) => {
      const t = (window.t = { events: [], remoteStats: {}, localStats: null, firstFrame: {} });
      const engine = (t.engine = VERTC.createEngine(appId));
      for (const name of Object.values(VERTC.events)) {
        engine.on(name, (e) => {
          t.events.push({
            name,
            at: performance.now(),
            data: e && typeof e === "object" && !(e.message instanceof ArrayBuffer) ? JSON.parse(JSON.stringify(e)) : e,
          });
        });
      }
      engine.on(
        VERTC.events.onRemoteStreamStats,
        (s) => (t.remoteStats[s.userId] = [...(t.remoteStats[s.userId] ?? []), s]),
      );
      engine.on(VERTC.events.onLocalStreamStats, (s) => (t.localStats = s));
      engine.on(VERTC.events.onRemoteVideoFirstFrame, (e) => (t.firstFrame[e.userId] = performance.now()));
      engine.on(VERTC.events.onUserPublishStream, (e) => {
        if (e.mediaType & VERTC.MediaType.VIDEO)
          engine.setRemoteVideoPlayer(VERTC.StreamIndex.STREAM_INDEX_MAIN, { renderDom: "remote", userId: e.userId });
      });
      if (video) await engine.startVideoCapture();
      if (audio) await engine.startAudioCapture();
      engine.setLocalVideoPlayer(VERTC.StreamIndex.STREAM_INDEX_MAIN, { renderDom: "local", userId });
      const token = given ?? (await (await fetch(`/dev/token?roomId=${roomId}&userId=${userId}`)).json()).token;
      t.joinAt = performance.now();
      await engine.joinRoom(token, roomId, { userId }, { isAutoPublish: true, ...roomConfig });
    },
    { appId, roomId, userId, audio, video, token, roomConfig },
  );
}

/** The names of events `page` recorded. */
export function eventNames(page) {
  return page.evaluate(() => window.t.events.map((e) => e.name));
}

/** A token from the dev endpoint, fetched in the page. */
export function devToken(page, roomId, userId) {
  return page.evaluate(
    async ({ roomId, userId }) => (await (await fetch(`/dev/token?roomId=${roomId}&userId=${userId}`)).json()).token,
    { roomId, userId },
  );
}
