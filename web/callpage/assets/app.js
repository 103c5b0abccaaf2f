// callbee call page: WebRTC call to the shop's voice assistant.
// Signalling: telephony/webrtc (JSON over a WebSocket). No dependencies.
"use strict";
(function () {
  const cfg = JSON.parse(document.body.dataset.config);
  const T = cfg.text;
  const $ = (sel) => document.querySelector(sel);
  const statusEl = $("#status"), callBtn = $("#call"), captions = $("#captions"), remote = $("#remote");
  const controls = Array.from(document.querySelectorAll("[data-action]"));

  const MAX_RETRIES = 6;
  let ws = null, pc = null, mic = null;
  let call = null;         // {id, token} once ready
  let state = "idle";      // idle | connecting | in-call | reconnecting | ended
  let retries = 0, retryTimer = null;
  let pendingCandidates = [];
  let botLine = null;      // the last bot caption (replaced while it grows)

  function setState(s, text) {
    state = s;
    document.body.dataset.state = s;
    callBtn.textContent = (s === "idle" || s === "ended") ? T.call : T.hangup;
    const live = s === "in-call";
    controls.forEach((b) => { b.disabled = !live; });
    if (text !== undefined) statusEl.textContent = text;
  }

  function caption(who, text, faq) {
    if (!text) return;
    const li = document.createElement("li");
    li.className = who;
    const w = document.createElement("span");
    w.className = "who";
    w.textContent = who === "you" ? T.you : T.shop;
    li.appendChild(w);
    li.appendChild(document.createTextNode(text));
    if (faq) li.dataset.faq = faq;
    captions.appendChild(li);
    while (captions.children.length > 40) captions.removeChild(captions.firstChild);
    li.scrollIntoView({ block: "nearest" });
    if (who === "bot") botLine = li;
  }

  function send(msg) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  function socketURL() {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + cfg.signal;
  }

  function openSocket(onHello) {
    ws = new WebSocket(socketURL());
    const mine = ws;
    ws.onmessage = (e) => {
      let ev;
      try { ev = JSON.parse(e.data); } catch (_) { return; }
      if (ev.type === "hello") { retries = 0; onHello(ev); return; }
      handle(ev);
    };
    ws.onclose = () => {
      if (mine !== ws) return;
      if (state === "in-call" || state === "reconnecting") reconnect();
      else if (state === "connecting") fail(T.error + "socket");
    };
  }

  async function start() {
    if (!window.RTCPeerConnection || !navigator.mediaDevices) { setState("idle", T.no_webrtc); return; }
    captions.textContent = "";
    setState("connecting", T.connecting);
    try {
      mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
    } catch (_) {
      setState("idle", T.mic_denied);
      return;
    }
    openSocket(async (hello) => {
      pc = new RTCPeerConnection({ iceServers: hello.ice_servers || [] });
      mic.getTracks().forEach((t) => pc.addTrack(t, mic));
      pc.ontrack = (e) => { remote.srcObject = e.streams[0] || new MediaStream([e.track]); remote.play().catch(() => {}); };
      pc.onicecandidate = (e) => { if (e.candidate) send({ type: "candidate", candidate: e.candidate.toJSON() }); };
      pc.oniceconnectionstatechange = () => {
        if (pc && pc.iceConnectionState === "failed" && ws && ws.readyState === WebSocket.OPEN) restartIce();
      };
      send({ type: "start", shop: cfg.shop, lang: cfg.lang });
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      send({ type: "offer", sdp: pc.localDescription.sdp });
    });
  }

  async function restartIce() {
    if (!pc) return;
    const offer = await pc.createOffer({ iceRestart: true });
    await pc.setLocalDescription(offer);
    send({ type: "offer", sdp: pc.localDescription.sdp });
  }

  function reconnect() {
    if (retryTimer || !call) { if (!call) fail(T.error + "socket"); return; }
    if (retries >= MAX_RETRIES) { fail(T.error + "network"); return; }
    setState("reconnecting", T.reconnecting);
    const delay = Math.min(8000, 500 * Math.pow(2, retries++));
    retryTimer = setTimeout(() => {
      retryTimer = null;
      openSocket(() => send({ type: "resume", call: call.id, token: call.token }));
    }, delay);
  }

  async function handle(ev) {
    switch (ev.type) {
      case "answer":
        await pc.setRemoteDescription({ type: "answer", sdp: ev.sdp });
        for (const c of pendingCandidates) await pc.addIceCandidate(c).catch(() => {});
        pendingCandidates = [];
        break;
      case "candidate":
        if (pc && pc.remoteDescription) await pc.addIceCandidate(ev.candidate).catch(() => {});
        else pendingCandidates.push(ev.candidate);
        break;
      case "ready":
        call = { id: ev.call, token: ev.token };
        document.body.dataset.codec = ev.codec;
        setState("in-call", T.in_call);
        break;
      case "resumed":
        setState("in-call", T.in_call);
        if (pc && (pc.iceConnectionState === "failed" || pc.iceConnectionState === "disconnected")) restartIce();
        break;
      case "welcome":
        caption("bot", ev.text);
        break;
      case "speech_start":
        if (state === "in-call") statusEl.textContent = T.listening;
        break;
      case "transcript":
        caption("you", ev.text || ev.dtmf);
        if (state === "in-call") statusEl.textContent = T.in_call;
        break;
      case "reply":
        caption("bot", ev.text, ev.faq);
        break;
      case "interrupted":
        if (botLine) botLine.classList.add("interrupted");
        break;
      case "handoff":
        statusEl.textContent = T.handoff;
        break;
      case "error":
        if (ev.code === "unknown_call") { fail(T.ended); break; }
        statusEl.textContent = T.error + (ev.message || ev.code);
        break;
      case "end":
        teardown(T.ended);
        break;
    }
  }

  function fail(text) { teardown(text); }

  function teardown(text) {
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    const w = ws; ws = null;
    if (w) { try { w.close(); } catch (_) {} }
    if (pc) { pc.close(); pc = null; }
    if (mic) { mic.getTracks().forEach((t) => t.stop()); mic = null; }
    remote.srcObject = null;
    call = null; pendingCandidates = [];
    setState("ended", text);
  }

  callBtn.addEventListener("click", () => {
    if (state === "idle" || state === "ended") start();
    else { send({ type: "hangup" }); teardown(T.ended); }
  });
  controls.forEach((b) => b.addEventListener("click", () => {
    const msg = { type: "control", action: b.dataset.action };
    if (b.dataset.key) msg.key = b.dataset.key;
    send(msg);
  }));
  window.addEventListener("pagehide", () => { if (call) send({ type: "hangup" }); });

  // For tests and diagnostics: the call's state and the received audio.
  window.callbee = {
    state: () => state,
    // dropSocket closes the signalling socket as a network blip would.
    dropSocket: () => { if (ws) ws.close(); },
    stats: async () => {
      if (!pc) return null;
      const out = { bytesReceived: 0, packetsReceived: 0, audioLevel: 0, totalAudioEnergy: 0 };
      (await pc.getStats()).forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "audio") {
          out.bytesReceived += r.bytesReceived || 0;
          out.packetsReceived += r.packetsReceived || 0;
          out.audioLevel = Math.max(out.audioLevel, r.audioLevel || 0);
          out.totalAudioEnergy += r.totalAudioEnergy || 0;
        }
      });
      return out;
    },
  };
})();
