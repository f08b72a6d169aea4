// The Chorus demo: a video room on the Web SDK's UMD bundle (global VERTC). Tokens come from
// the server's /dev/token endpoint, which exists in dev mode only.
"use strict";
(() => {
  const { events, MediaType, StreamIndex, ConnectionState, MirrorType } = VERTC;
  const MAIN = StreamIndex.STREAM_INDEX_MAIN;
  const SCREEN = StreamIndex.STREAM_INDEX_SCREEN;
  const $ = (id) => document.getElementById(id);
  const STATES = {
    [ConnectionState.CONNECTION_STATE_DISCONNECTED]: "Not connected",
    [ConnectionState.CONNECTION_STATE_CONNECTING]: "Connecting…",
    [ConnectionState.CONNECTION_STATE_CONNECTED]: "Connected",
    [ConnectionState.CONNECTION_STATE_RECONNECTING]: "Reconnecting…",
    [ConnectionState.CONNECTION_STATE_RECONNECTED]: "Connected",
    [ConnectionState.CONNECTION_STATE_LOST]: "Connection lost",
  };

  const QUALITY = [
    "",
    "network excellent",
    "network good",
    "network poor",
    "network bad",
    "network very bad",
    "network down",
  ];
  /** A volume (0–255) above which a tile shows its user speaking. */
  const SPEAKING = 24;

  let engine = null;
  let connection = "";
  let me = null;
  const state = { mic: false, cam: false, screen: false, mirror: true, captions: false };

  $("user").value ||= `guest${Math.floor(Math.random() * 900 + 100)}`;

  function showError(e) {
    const box = $("error");
    const code = e && e.code ? ` (${e.code})` : "";
    box.textContent = `${(e && e.message) || String(e)}${code}`;
    box.hidden = false;
  }

  function clearError() {
    $("error").hidden = true;
  }

  /** The tile of `userId`'s stream `index`, made on first use. */
  function tile(userId, index, local) {
    const id = `tile-${index}-${userId}`;
    let el = $(id);
    if (!el) {
      el = document.createElement("div");
      el.id = id;
      el.className = `tile${local ? " local" : ""}${index === SCREEN ? " screen" : ""}`;
      el.dataset.user = userId;
      el.innerHTML =
        '<div class="video"></div><div class="stats"></div><div class="caption"></div><div class="name"><span></span><span class="flags"></span></div>';
      el.querySelector(".name span").textContent =
        `${userId}${local ? " (you)" : ""}${index === SCREEN ? " – screen" : ""}`;
      if (!local && index === MAIN) {
        // How loud this user plays here: 0–400 %, 100 as received.
        const volume = document.createElement("input");
        Object.assign(volume, { type: "range", min: 0, max: 400, step: 10, value: 100, title: "Volume" });
        volume.className = "volume";
        volume.addEventListener("input", () => engine?.setPlaybackVolume(userId, MAIN, Number(volume.value)));
        el.querySelector(".name").append(volume);
      }
      $("grid").append(el);
      $("empty").hidden = true;
    }
    return el;
  }

  function removeTile(userId, index) {
    $(`tile-${index}-${userId}`)?.remove();
    $("empty").hidden = $("grid").children.length > 0;
  }

  function setFlag(userId, what, on) {
    const el = $(`tile-${MAIN}-${userId}`);
    if (!el) return;
    el.dataset[what] = on ? "1" : "";
    if (what === "cameraOff") el.classList.toggle("camera-off", on);
    el.querySelector(".flags").textContent = el.dataset.micOff ? "muted" : "";
  }

  function setButtons() {
    $("mic").textContent = state.mic ? "Mute mic" : "Unmute mic";
    $("mic").setAttribute("aria-pressed", String(state.mic));
    $("cam").textContent = state.cam ? "Stop camera" : "Start camera";
    $("cam").setAttribute("aria-pressed", String(state.cam));
    $("screen").textContent = state.screen ? "Stop sharing" : "Share screen";
    $("screen").setAttribute("aria-pressed", String(state.screen));
    $("mirror").setAttribute("aria-pressed", String(state.mirror));
    $("captions").setAttribute("aria-pressed", String(state.captions));
  }

  /** A stream's figures on its tile, as the stats events give them. */
  function showStats(userId, index, text) {
    const el = $(`tile-${index}-${userId}`)?.querySelector(".stats");
    if (el) el.textContent = text;
  }

  const kbps = (n) => `${Math.round(n)} kbit/s`;

  function listen() {
    engine.on(
      events.onConnectionStateChanged,
      ({ state: s }) => ($("status").textContent = connection = STATES[s] ?? ""),
    );
    engine.on(events.onNetworkQuality, (up, down) => {
      const worst = Math.max(up, down);
      $("status").textContent = worst ? `${connection} · ${QUALITY[worst]}` : connection;
    });
    const speaking = (userId, volume) => $(`tile-${MAIN}-${userId}`)?.classList.toggle("speaking", volume > SPEAKING);
    engine.on(events.onLocalAudioPropertiesReport, (reports) => {
      for (const { streamIndex, audioPropertiesInfo } of reports)
        if (streamIndex === MAIN) speaking(me, audioPropertiesInfo.linearVolume);
    });
    engine.on(events.onRemoteAudioPropertiesReport, (reports) => {
      for (const { streamKey, audioPropertiesInfo } of reports)
        if (streamKey.streamIndex === MAIN) speaking(streamKey.userId, audioPropertiesInfo.linearVolume);
    });
    engine.on(events.onLocalStreamStats, ({ isScreen, videoStats: v, audioStats: a }) =>
      showStats(
        me,
        isScreen ? SCREEN : MAIN,
        `sending ${v.encodedFrameWidth}x${v.encodedFrameHeight} · ${Math.round(v.sentFrameRate)} fps · ` +
          `video ${kbps(v.sentKBitrate)} · audio ${kbps(a.sendKBitrate)} · rtt ${v.rtt || a.rtt} ms`,
      ),
    );
    engine.on(events.onRemoteStreamStats, ({ userId, isScreen, videoStats: v, audioStats: a }) =>
      showStats(
        userId,
        isScreen ? SCREEN : MAIN,
        `receiving ${v.width}x${v.height} · ${Math.round(v.decoderOutputFrameRate)} fps · ` +
          `video ${kbps(v.receivedKBitrate)} · audio ${kbps(a.receivedKBitrate)} · ` +
          `loss ${(100 * Math.max(v.videoLossRate, a.audioLossRate)).toFixed(1)} %`,
      ),
    );
    engine.on(events.onUserJoined, ({ userInfo }) => tile(userInfo.userId, MAIN, false));
    engine.on(events.onUserLeave, ({ userInfo }) => {
      removeTile(userInfo.userId, MAIN);
      removeTile(userInfo.userId, SCREEN);
    });
    engine.on(events.onUserPublishStream, ({ userId, mediaType }) => {
      const t = tile(userId, MAIN, false);
      if (mediaType & MediaType.VIDEO)
        engine.setRemoteVideoPlayer(MAIN, { renderDom: t.querySelector(".video"), userId });
    });
    engine.on(events.onUserPublishScreen, ({ userId }) => {
      const t = tile(userId, SCREEN, false);
      engine.setRemoteVideoPlayer(SCREEN, {
        renderDom: t.querySelector(".video"),
        userId,
        renderMode: VERTC.VideoRenderMode.RENDER_MODE_FIT,
      });
    });
    engine.on(events.onUserUnpublishScreen, ({ userId }) => removeTile(userId, SCREEN));
    engine.on(events.onUserStopAudioCapture, ({ userId }) => setFlag(userId, "micOff", true));
    engine.on(events.onUserStartAudioCapture, ({ userId }) => setFlag(userId, "micOff", false));
    engine.on(events.onUserStopVideoCapture, ({ userId }) => setFlag(userId, "cameraOff", true));
    engine.on(events.onUserStartVideoCapture, ({ userId }) => setFlag(userId, "cameraOff", false));
    // Captions under each speaker's tile: the latest text, partial (in italics) until final.
    engine.on(events.onSubtitleMessageReceived, (messages) => {
      for (const m of messages) {
        const el = $(`tile-${MAIN}-${m.userId}`)?.querySelector(".caption");
        if (!el) continue;
        el.textContent = m.text;
        el.classList.toggle("partial", !m.definite);
      }
    });
    engine.on(events.onSubtitleStateChanged, ({ event, errorCode, errorMessage }) => {
      if (event === VERTC.SubtitleEventType.ERROR) {
        state.captions = false;
        setButtons();
        showError(new Error(`Captions stopped: ${errorCode} ${errorMessage ?? ""}`));
      }
    });
    engine.on(events.onError, (e) => {
      showError({ code: e.errorCode, message: e.message || "The server removed you from the room." });
      leftRoom();
    });
    engine.on(events.onAutoplayFailed, () => {
      const n = $("notice");
      n.textContent = "The browser blocked sound. Click anywhere to hear the others.";
      n.hidden = false;
      document.addEventListener("pointerdown", () => (n.hidden = true), { once: true });
    });
    engine.on(events.onTrackEnded, ({ streamIndex }) => {
      if (streamIndex === SCREEN && state.screen) void stopScreen();
    });
  }

  async function join(room, user) {
    clearError();
    $("join").disabled = true;
    try {
      const res = await fetch(`/dev/token?roomId=${encodeURIComponent(room)}&userId=${encodeURIComponent(user)}`);
      if (!res.ok) throw new Error(`No token from the server (${res.status}): ${(await res.text()).trim()}`);
      const { appId, token } = await res.json();
      engine = VERTC.createEngine(appId);
      me = user;
      listen();
      engine.enableAudioPropertiesReport({ interval: 300 });
      const local = tile(user, MAIN, true);
      // Join even without devices: others can still be seen and heard.
      await engine.startVideoCapture().then(() => (state.cam = true), showError);
      await engine.startAudioCapture().then(() => (state.mic = true), showError);
      engine.setLocalVideoPlayer(MAIN, { renderDom: local.querySelector(".video"), userId: user });
      // People expect to see themselves as in a mirror; the others get the camera's view.
      engine.setLocalVideoMirrorType(state.mirror ? MirrorType.MIRROR_TYPE_RENDER : MirrorType.MIRROR_TYPE_NONE);
      setFlag(user, "cameraOff", !state.cam);
      await engine.joinRoom(token, room, { userId: user }, { isAutoPublish: true });
      $("room-name").textContent = `Room ${room}`;
      $("join-form").hidden = true;
      $("controls").hidden = false;
      setButtons();
    } catch (e) {
      showError(e);
      leftRoom();
    } finally {
      $("join").disabled = false;
    }
  }

  function leftRoom() {
    if (engine) {
      try {
        VERTC.destroyEngine(engine);
      } catch {}
    }
    engine = null;
    me = null;
    Object.assign(state, { mic: false, cam: false, screen: false, captions: false });
    $("mic-volume").value = "100";
    $("grid").replaceChildren();
    $("empty").hidden = false;
    $("join-form").hidden = false;
    $("controls").hidden = true;
    $("status").textContent = STATES[ConnectionState.CONNECTION_STATE_DISCONNECTED];
  }

  async function toggle(kind) {
    clearError();
    try {
      if (kind === "mic") {
        if (state.mic) await engine.stopAudioCapture();
        else await engine.startAudioCapture();
        state.mic = !state.mic;
        setFlag(me, "micOff", !state.mic);
      } else {
        if (state.cam) await engine.stopVideoCapture();
        else await engine.startVideoCapture();
        state.cam = !state.cam;
        setFlag(me, "cameraOff", !state.cam);
      }
    } catch (e) {
      showError(e);
    }
    setButtons();
  }

  async function startScreen() {
    await engine.startScreenCapture();
    const t = tile(me, SCREEN, true);
    engine.setLocalVideoPlayer(SCREEN, {
      renderDom: t.querySelector(".video"),
      userId: me,
      renderMode: VERTC.VideoRenderMode.RENDER_MODE_FIT,
    });
    await engine.publishScreen(MediaType.VIDEO);
    state.screen = true;
  }

  async function stopScreen() {
    state.screen = false;
    removeTile(me, SCREEN);
    await engine.unpublishScreen(MediaType.VIDEO).catch(() => {});
    await engine.stopScreenCapture().catch(() => {});
    setButtons();
  }

  $("join-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void join($("room").value.trim(), $("user").value.trim());
  });
  $("mic").addEventListener("click", () => void toggle("mic"));
  $("cam").addEventListener("click", () => void toggle("cam"));
  $("screen").addEventListener("click", async () => {
    clearError();
    try {
      if (state.screen) await stopScreen();
      else await startScreen();
    } catch (e) {
      showError(e);
      if (!state.screen) removeTile(me, SCREEN);
    }
    setButtons();
  });
  $("mic-volume").addEventListener("input", () => engine?.setCaptureVolume(MAIN, Number($("mic-volume").value)));
  $("mirror").addEventListener("click", () => {
    state.mirror = !state.mirror;
    engine?.setLocalVideoMirrorType(state.mirror ? MirrorType.MIRROR_TYPE_RENDER : MirrorType.MIRROR_TYPE_NONE);
    setButtons();
  });
  $("captions").addEventListener("click", async () => {
    clearError();
    try {
      if (state.captions) engine.stopSubtitle();
      else await engine.startSubtitle({ mode: VERTC.SUBTITLE_MODE.ASR_ONLY });
      state.captions = !state.captions;
    } catch (e) {
      showError(e);
    }
    setButtons();
  });
  $("stats").addEventListener("click", () => {
    const on = document.body.classList.toggle("show-stats");
    $("stats").setAttribute("aria-pressed", String(on));
  });
  $("leave").addEventListener("click", async () => {
    const e = engine;
    if (e) await e.leaveRoom().catch(() => {});
    leftRoom();
  });
})();
