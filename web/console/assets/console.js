// callbee console: agent, knowledge, training, metrics and users pages.
// Plain JavaScript, no build step. Every piece of data is put into the page
// as text nodes (never as HTML): caller words are untrusted.
"use strict";

const S = { me: null, shop: "", shops: [], timers: [], page: "" };
const $ = (sel, root) => (root || document).querySelector(sel);

// h builds an element: h("div", {class: "x", onclick: f}, "text", child...).
function h(tag, attrs, ...kids) {
  const el = document.createElementNS(tag === "svg" || (attrs && attrs._svg) ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml", tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "_svg" || v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "value") el.value = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of kids.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
const s = (tag, attrs, ...kids) => h(tag, Object.assign({ _svg: true }, attrs), ...kids);

function toast(msg, err) {
  const t = $("#toast");
  t.textContent = msg;
  t.className = err ? "err" : "";
  t.hidden = false;
  clearTimeout(toast.t);
  toast.t = setTimeout(() => { t.hidden = true; }, err ? 8000 : 3000);
}

class APIError extends Error {
  constructor(status, body) { super(body.error || ("HTTP " + status)); this.status = status; this.body = body; }
}

async function api(method, path, body, raw) {
  const opts = { method, credentials: "same-origin", headers: {} };
  if (method !== "GET" && method !== "HEAD") {
    opts.headers["X-CSRF-Token"] = S.me ? S.me.csrf : "";
    if (raw !== undefined) { opts.headers["Content-Type"] = "application/yaml"; opts.body = raw; }
    else { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body || {}); }
  }
  const r = await fetch("/api/v1/console" + path, opts);
  if (r.status === 401 && S.page !== "login") {
    location.href = "/console/login?next=" + encodeURIComponent(location.pathname);
    throw new APIError(401, { error: "log in again" });
  }
  const ct = r.headers.get("Content-Type") || "";
  const data = ct.includes("json") ? await r.json() : await r.text();
  if (!r.ok) throw new APIError(r.status, typeof data === "object" ? data : { error: data });
  return data;
}

// explain renders an API error, with a shop file's problems one per line.
function explain(e) {
  if (e.body && e.body.problems) return e.message + ":\n" + e.body.problems.map(p => (p.field ? p.field + ": " : "") + p.msg).join("\n");
  return e.message;
}
async function act(fn, ok) {
  try { const r = await fn(); if (ok) toast(ok); return r; }
  catch (e) { toast(explain(e), true); throw e; }
}

function every(ms, fn) { fn(); S.timers.push(setInterval(fn, ms)); }
const shopPath = p => "/shops/" + encodeURIComponent(S.shop) + p;
const pct = x => (100 * (x || 0)).toFixed(1) + "%";
const ms = d => d ? (d / 1e6).toFixed(0) + " ms" : "–";
function elapsed(from) {
  const sec = Math.max(0, Math.round((Date.now() - new Date(from)) / 1000));
  return sec < 60 ? sec + " s" : Math.floor(sec / 60) + " min " + (sec % 60) + " s";
}
const emo = e => h("span", { class: "pill " + (e || "") }, e || "–");
const text = t => (t && (t.en || t.zh)) || "";

// ---------------------------------------------------------------- shell

const PAGES = [
  ["agent", "Agent console", ["admin", "agent"]],
  ["knowledge", "Knowledge", ["admin", "trainer", "agent"]],
  ["training", "Scene training", ["admin", "trainer"]],
  ["metrics", "Metrics", ["admin", "trainer", "agent"]],
  ["users", "Users", ["admin"]],
];

async function boot() {
  S.page = location.pathname.replace(/\/+$/, "").split("/").pop();
  if (S.page === "login") return loginPage();
  S.me = await api("GET", "/me");
  const { shops } = await api("GET", "/shops");
  S.shops = shops;
  S.shop = localStorage.getItem("callbee.shop") || (shops[0] && shops[0].id) || "";
  if (!shops.some(x => x.id === S.shop) && shops[0]) S.shop = shops[0].id;
  const sel = $("#shop");
  sel.replaceChildren(...shops.map(x => h("option", { value: x.id, selected: x.id === S.shop }, text(x.name) + " (" + x.id + ")")));
  sel.onchange = () => { localStorage.setItem("callbee.shop", sel.value); location.reload(); };
  $("#nav").replaceChildren(...PAGES.filter(p => p[2].includes(S.me.role)).map(p =>
    h("a", { href: "/console/" + p[0], class: p[0] === S.page ? "on" : "" }, p[1])));
  $("#who").textContent = S.me.name + " · " + S.me.role;
  $("#logout").onclick = async () => { await api("POST", "/logout", {}); location.href = "/console/login"; };
  $("#top").hidden = false;
  const views = { agent: agentPage, knowledge: knowledgePage, training: trainingPage, metrics: metricsPage, users: usersPage };
  const allowed = PAGES.find(p => p[0] === S.page);
  if (!allowed || !allowed[2].includes(S.me.role)) {
    const first = PAGES.find(p => p[2].includes(S.me.role));
    location.href = "/console/" + first[0];
    return;
  }
  document.title = allowed[1] + " · callbee";
  await views[S.page]($("#main"));
  document.body.dataset.ready = S.page;
}

function loginPage() {
  const name = h("input", { id: "name", autocomplete: "username", required: true });
  const pw = h("input", { id: "password", type: "password", autocomplete: "current-password", required: true });
  const msg = h("p", { class: "problems", id: "login-msg" });
  const form = h("form", { class: "card login" },
    h("h1", {}, "callbee console"),
    h("label", {}, h("span", {}, "Name"), name),
    h("label", {}, h("span", {}, "Password"), pw),
    h("div", { class: "row" }, h("button", { id: "login-btn", type: "submit" }, "Log in")), msg);
  form.onsubmit = async ev => {
    ev.preventDefault();
    try {
      await api("POST", "/login", { name: name.value, password: pw.value });
      const next = new URLSearchParams(location.search).get("next") || "";
      location.href = /^\/console\/[a-z]+$/.test(next) ? next : "/console/agent";
    } catch (e) { msg.textContent = e.message; }
  };
  $("#main").replaceChildren(form);
  document.body.dataset.ready = "login";
  name.focus();
}

// ---------------------------------------------------------------- agent

async function agentPage(main) {
  let selected = "";
  const liveBody = h("tbody");
  const queue = h("ul", { class: "plain", id: "handoffs" });
  const transcript = h("ul", { class: "plain", id: "transcript" });
  const head = h("div", { id: "session-head", class: "muted" }, "Pick a session or accept a handoff.");
  const suggs = h("div", { id: "suggestions" });
  const facts = h("div", { id: "facts", class: "muted" });
  const reply = h("textarea", { id: "reply-text", placeholder: "Type a reply to the caller" });
  const sendBtn = h("button", { id: "reply-send", type: "button" }, "Send");
  const holdBtn = h("button", { id: "hold", type: "button", class: "ghost" }, "Take over");
  const releaseBtn = h("button", { id: "release", type: "button", class: "ghost" }, "Give back to the bot");
  const modeBox = h("div", { id: "mode" });

  sendBtn.onclick = async () => {
    if (!selected || !reply.value.trim()) return;
    await act(() => api("POST", "/sessions/" + encodeURIComponent(selected) + "/reply", { text: reply.value }), "Sent");
    reply.value = "";
    showSession();
  };
  holdBtn.onclick = async () => { await act(() => api("POST", "/sessions/" + encodeURIComponent(selected) + "/hold", {}), "You hold the session"); refresh(); };
  releaseBtn.onclick = async () => { await act(() => api("POST", "/sessions/" + encodeURIComponent(selected) + "/release", {}), "The bot answers again"); refresh(); };

  main.replaceChildren(h("h1", {}, "Agent console"), h("div", { class: "grid" },
    h("section", { class: "card" }, h("h2", {}, "Live sessions"),
      h("div", { class: "scroll" }, h("table", { id: "live" }, h("thead", {}, h("tr", {}, ["Door", "Caller", "Lang", "Intent", "Emotion", "Time", "Agent"].map(x => h("th", {}, x)))), liveBody)),
      h("h2", { style: "margin-top:1rem" }, "Handoff queue"), queue,
      h("h2", { style: "margin-top:1rem" }, "Service mode"), modeBox),
    h("section", { class: "card" }, h("h2", {}, "Session"), head, transcript,
      h("div", { class: "row" }, holdBtn, releaseBtn),
      h("h2", { style: "margin-top:.8rem" }, "Suggested answers"), suggs, facts,
      reply, h("div", { class: "row" }, sendBtn))));

  async function refresh() {
    const [{ sessions }, { handoffs }] = await Promise.all([
      api("GET", "/live?shop=" + encodeURIComponent(S.shop)), api("GET", "/handoffs?shop=" + encodeURIComponent(S.shop))]);
    liveBody.replaceChildren(...sessions.map(x => h("tr", {
      class: "click" + (x.session === selected ? " sel" : ""), "data-session": x.session,
      onclick: () => { selected = x.session; showSession(); refresh(); },
    }, h("td", {}, x.door), h("td", {}, x.caller || "–"), h("td", {}, x.lang), h("td", {}, x.intent || "–"),
      h("td", {}, emo(x.emotion)), h("td", {}, x.ended ? "ended" : elapsed(x.started)),
      h("td", {}, x.agent ? h("span", { class: "pill held" }, x.agent) : (x.handoff ? h("span", { class: "pill negative" }, "wants a person") : "bot")))));
    if (!sessions.length) liveBody.replaceChildren(h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No sessions in progress.")));
    queue.replaceChildren(...handoffs.map(hd => {
      let sum = {};
      try { sum = hd.summary || {}; } catch (_) { /* summary is JSON already */ }
      const lines = (sum.transcript || []).slice(-4).map(l => h("div", { class: "muted" }, l.who + ": " + l.text));
      const ent = sum.entities || {};
      const order = sum.order ? "order " + sum.order.id + " (" + sum.order.status + ")" : (ent.order ? "order " + ent.order : "");
      return h("li", { class: "handoff", "data-session": hd.session_id },
        h("div", { class: "row" }, h("strong", {}, hd.reason || "handoff"), emo(sum.emotion), h("span", { class: "muted" }, hd.kind + " · " + new Date(hd.at).toLocaleTimeString()),
          h("button", { class: "accept", type: "button", onclick: async () => {
            const r = await act(() => api("POST", "/handoffs/" + hd.id + "/accept", {}), hd.kind === "callback" ? "Accepted: call the customer back" : "Accepted: the bot is silent");
            if (!r.callback) { selected = hd.session_id; showSession(); }
            refresh();
          } }, hd.kind === "callback" ? "Take the callback" : "Accept"),
          h("button", { class: "ghost close", type: "button", onclick: async () => {
            await act(() => api("POST", "/handoffs/" + hd.id + "/close", {}), "Closed"); refresh();
          } }, "Close")),
        h("div", { class: "muted" }, "intents: " + (sum.intents || []).join(", ") + (order ? " · " + order : "") + (ent.product ? " · product " + ent.product : "")),
        lines);
    }));
    if (!handoffs.length) queue.replaceChildren(h("li", { class: "muted" }, "Nobody is waiting."));
  }

  async function showSession() {
    if (!selected) return;
    const ls = await api("GET", "/live/" + encodeURIComponent(selected));
    const i = ls.info;
    head.replaceChildren(h("strong", {}, i.session), " · ", i.door, " · ", i.caller || "unknown caller", " · ", i.lang, " · ",
      i.agent ? h("span", { class: "pill held", id: "held-by" }, "held by " + i.agent) : "the bot answers", i.can_reply ? "" : " · this door cannot take typed replies");
    transcript.replaceChildren(...ls.lines.map(l => h("li", { class: l.who + (l.draft ? " draft" : "") },
      h("strong", {}, l.who + (l.draft ? " (not sent)" : "") + ": "), l.text, l.faq ? h("span", { class: "muted" }, " [" + l.faq + " " + pct(l.confidence) + "]") : "")));
    transcript.scrollTop = transcript.scrollHeight;
    const mine = i.agent === S.me.name;
    holdBtn.disabled = !!i.agent || !!i.ended;
    releaseBtn.disabled = !i.agent;
    sendBtn.disabled = reply.disabled = !mine || !i.can_reply;
    try {
      const sg = await api("GET", "/sessions/" + encodeURIComponent(selected) + "/suggestions");
      suggs.replaceChildren(...(sg.text ? [h("div", { class: "muted" }, "Caller: " + sg.text)] : []), ...sg.suggestions.map(x => h("div", { class: "sugg" },
        h("div", { class: "row" }, h("strong", {}, x.question || x.faq), h("span", { class: "pill" }, pct(x.confidence))),
        h("div", {}, x.answer),
        h("div", { class: "row" },
          h("button", { type: "button", class: "use", disabled: !mine, onclick: async () => {
            await act(() => api("POST", "/sessions/" + encodeURIComponent(selected) + "/reply", { text: x.answer }), "Sent");
            showSession();
          } }, "Send"),
          h("button", { type: "button", class: "ghost", onclick: () => { reply.value = x.answer; reply.focus(); } }, "Edit")))));
      const f = [];
      if (sg.facts.order) f.push("Order " + sg.facts.order.id + ": " + sg.facts.order.status + (sg.facts.order.tracking_no ? ", tracking " + sg.facts.order.tracking_no : "") +
        (sg.facts.order.items || []).map(it => " · " + it.product + " " + (it.size || "") + " ×" + it.qty).join(""));
      if (sg.facts.product) f.push("Product " + sg.facts.product.id + ": " + text(sg.facts.product.title) + ", ¥" + sg.facts.product.price + ", sizes " + (sg.facts.product.sizes || []).join("/"));
      facts.replaceChildren(...f.map(x => h("div", {}, x)));
    } catch (e) { suggs.replaceChildren(h("div", { class: "muted" }, e.message)); }
  }

  async function mode() {
    const m = await api("GET", shopPath("/mode"));
    const sel = h("select", { id: "mode-select" }, h("option", { value: "" }, "follow the schedule"), ...m.modes.map(x => h("option", { value: x, selected: x === m.override }, x)));
    const sched = h("textarea", { id: "schedule", rows: 4 }, JSON.stringify(m.schedule, null, 1));
    const save = h("button", { type: "button", id: "mode-save" }, "Apply");
    save.onclick = async () => {
      let schedule;
      try { schedule = JSON.parse(sched.value); } catch (e) { toast("schedule: " + e.message, true); return; }
      await act(() => api("PUT", shopPath("/mode"), { override: sel.value, schedule }), "Mode applied");
      mode();
    };
    modeBox.replaceChildren(h("div", { class: "row" }, "Now: ", h("strong", { id: "mode-now" }, m.current), m.on_duty ? " · agents on duty" : " · off duty"),
      h("label", {}, h("span", {}, "Switch live"), sel), h("label", {}, h("span", {}, "Schedule (JSON: default, windows of from/to/mode/days)"), sched), save);
  }
  await mode();
  // Server-sent events make the page react at once; polling covers a lost stream.
  let pending = 0;
  const soon = () => { if (!pending) pending = setTimeout(() => { pending = 0; refresh().catch(() => {}); showSession().catch(() => {}); }, 150); };
  const es = new EventSource("/api/v1/console/live/events?shop=" + encodeURIComponent(S.shop));
  for (const k of ["begin", "line", "hold", "release", "end"]) es.addEventListener(k, soon);
  every(5000, () => refresh().catch(() => {}));
  every(5000, () => showSession().catch(() => {}));
}

// ---------------------------------------------------------------- knowledge

async function knowledgePage(main) {
  const canEdit = S.me.role !== "agent";
  const list = h("ul", { class: "plain faqlist", id: "faqs" });
  const search = h("input", { id: "faq-search", type: "search", placeholder: "Search questions, answers, phrasings" });
  const tabs = h("div", { class: "tabs" });
  const editor = h("div", { id: "faq-editor", class: "muted" }, "Pick a FAQ to edit.");
  let cat = "";
  main.replaceChildren(h("h1", {}, "Knowledge"), h("div", { class: "grid" },
    h("section", { class: "card" }, h("h2", {}, "FAQ"), tabs, search, list,
      canEdit ? h("div", { class: "row" }, h("button", { type: "button", class: "ghost", id: "faq-new", onclick: () => edit(null) }, "New FAQ")) : ""),
    h("section", { class: "card" }, editor),
    h("section", { class: "card", id: "profile" }),
    h("section", { class: "card", id: "packs" }),
    h("section", { class: "card", id: "products" }),
    h("section", { class: "card", id: "transfer" }),
    canEdit ? h("section", { class: "card", id: "audit" }) : ""));

  async function audit() {
    if (!canEdit) return;
    const { audit } = await api("GET", shopPath("/audit"));
    $("#audit").replaceChildren(h("h2", {}, "Recent edits"), audit.length ? h("ul", { class: "plain" }, ...audit.slice(0, 30).map(a => h("li", {},
      h("div", {}, h("strong", {}, a.action), " ", a.target || "", " ", h("span", { class: "muted" }, "by " + a.user + ", " + new Date(a.at).toLocaleString())),
      a.after ? h("div", { class: "muted" }, (a.before ? "before: " + a.before.slice(0, 120) + " · " : "") + "after: " + a.after.slice(0, 120)) : ""))) : h("p", { class: "muted" }, "No edits yet."));
  }

  async function load() {
    const q = new URLSearchParams({ q: search.value, category: cat });
    const r = await api("GET", shopPath("/faqs?" + q));
    tabs.replaceChildren(...["", ...r.categories].map(c => h("button", { type: "button", class: c === cat ? "" : "ghost", onclick: () => { cat = c; load(); } }, c || "all")));
    list.replaceChildren(...r.faqs.map(f => h("li", { class: "faq click", "data-faq": f.id, onclick: () => edit(f) },
      h("div", {}, h("strong", {}, text(f.question)), " ", h("span", { class: "pill" }, f.category), f.active ? "" : h("span", { class: "pill" }, "inactive")),
      h("div", { class: "muted" }, f.id + " · " + ((f.phrasings && (f.phrasings.en || f.phrasings.zh) || []).length) + " phrasings"))));
  }
  search.oninput = () => { clearTimeout(search.t); search.t = setTimeout(load, 250); };

  function edit(f) {
    f = f || { id: "", category: cat || "more", question: {}, answer: {}, phrasings: {}, related: [] };
    const inp = {};
    const field = (k, label, v, area) => { inp[k] = h(area ? "textarea" : "input", { name: k, value: v || "", disabled: !canEdit }); return h("label", {}, h("span", {}, label), inp[k]); };
    const msg = h("pre", { class: "problems", id: "faq-problems" });
    editor.className = "";
    editor.replaceChildren(h("h2", {}, f.id ? "Edit " + f.id : "New FAQ"),
      field("id", "Id (category.name)", f.id), field("category", "Category", f.category),
      field("qzh", "Question (zh)", f.question.zh), field("qen", "Question (en)", f.question.en),
      field("azh", "Answer (zh)", f.answer.zh, true), field("aen", "Answer (en)", f.answer.en, true),
      field("pzh", "Phrasings (zh), one per line", ((f.phrasings || {}).zh || []).join("\n"), true),
      field("pen", "Phrasings (en), one per line", ((f.phrasings || {}).en || []).join("\n"), true),
      field("related", "Related questions (ids, comma separated, at most 5)", (f.related || []).join(", ")),
      field("action", "Action (optional)", f.action || ""), msg,
      canEdit ? h("div", { class: "row" },
        h("button", { type: "button", id: "faq-save", onclick: async () => {
          const lines = v => v.split("\n").map(x => x.trim()).filter(Boolean);
          const body = { id: inp.id.value.trim(), category: inp.category.value.trim(), question: {}, answer: {}, phrasings: {},
            related: inp.related.value.split(",").map(x => x.trim()).filter(Boolean), action: inp.action.value.trim() || undefined };
          for (const l of ["zh", "en"]) {
            if (inp["q" + l].value) body.question[l] = inp["q" + l].value;
            if (inp["a" + l].value) body.answer[l] = inp["a" + l].value;
            if (lines(inp["p" + l].value).length) body.phrasings[l] = lines(inp["p" + l].value);
          }
          if (!Object.keys(body.phrasings).length) delete body.phrasings;
          msg.textContent = "";
          try { await act(() => api("PUT", shopPath("/faqs/" + encodeURIComponent(body.id)), body), "Saved; the bot uses it now"); load(); }
          catch (e) { msg.textContent = explain(e); }
        } }, "Save"),
        f.id ? h("button", { type: "button", class: "danger", onclick: async () => {
          if (!confirm("Delete " + f.id + "?")) return;
          await act(() => api("DELETE", shopPath("/faqs/" + encodeURIComponent(f.id))), "Deleted"); edit(null); load();
        } }, "Delete") : "") : "");
  }

  async function profile() {
    const p = await api("GET", shopPath("/profile"));
    const box = $("#profile");
    const inp = {};
    const field = (k, label, v, area) => { inp[k] = h(area ? "textarea" : "input", { value: v === undefined ? "" : v, disabled: !canEdit }); return h("label", {}, h("span", {}, label), inp[k]); };
    const msg = h("pre", { class: "problems" });
    box.replaceChildren(h("h2", {}, "Welcome and quick setup"),
      field("wzh", "Welcome (zh)", p.welcome.zh, true), field("wen", "Welcome (en)", p.welcome.en, true),
      field("cards", "Welcome cards (FAQ ids, comma separated, at most 6)", (p.cards || []).join(", ")),
      field("ship", "Ships within (hours)", p.ship_within_hours), field("hours", "Service hours (HH:MM-HH:MM)", p.service_hours),
      field("hotline", "Hotline", p.hotline), field("czh", "Courier (zh)", (p.courier || {}).zh), field("cen", "Courier (en)", (p.courier || {}).en),
      field("fzh", "Ships from (zh)", (p.ship_from || {}).zh), field("fen", "Ships from (en)", (p.ship_from || {}).en), msg,
      canEdit ? h("button", { type: "button", onclick: async () => {
        const q = Object.assign({}, p, { welcome: { zh: inp.wzh.value, en: inp.wen.value }, cards: inp.cards.value.split(",").map(x => x.trim()).filter(Boolean),
          ship_within_hours: parseInt(inp.ship.value, 10) || 0, service_hours: inp.hours.value, hotline: inp.hotline.value,
          courier: { zh: inp.czh.value, en: inp.cen.value }, ship_from: { zh: inp.fzh.value, en: inp.fen.value } });
        msg.textContent = "";
        try { await act(() => api("PUT", shopPath("/profile"), q), "Saved"); } catch (e) { msg.textContent = explain(e); }
      } }, "Save") : "");
  }

  async function packs() {
    const { packs } = await api("GET", shopPath("/packs"));
    $("#packs").replaceChildren(h("h2", {}, "Industry packs"), ...packs.map(p => h("label", { class: "row" },
      h("input", { type: "checkbox", checked: p.subscribed, disabled: !canEdit, onchange: async ev => {
        await act(() => api("PUT", shopPath("/packs/" + encodeURIComponent(p.id)), { subscribed: ev.target.checked }), (ev.target.checked ? "Subscribed " : "Unsubscribed ") + p.id);
      } }), p.id + " (" + p.faqs + " FAQs)")));
  }

  async function products() {
    const { products } = await api("GET", shopPath("/products"));
    const ta = h("textarea", { rows: 12, id: "product-json", disabled: !canEdit });
    const pick = h("select", {}, ...products.map(p => h("option", { value: p.id }, p.id + " " + text(p.title))));
    const show = () => { ta.value = JSON.stringify(products.find(p => p.id === pick.value) || {}, null, 1); };
    pick.onchange = show; show();
    const msg = h("pre", { class: "problems" });
    $("#products").replaceChildren(h("h2", {}, "Products and size charts"), pick, ta, msg,
      canEdit ? h("button", { type: "button", onclick: async () => {
        msg.textContent = "";
        let p;
        try { p = JSON.parse(ta.value); } catch (e) { msg.textContent = e.message; return; }
        try { await act(() => api("PUT", shopPath("/products/" + encodeURIComponent(p.id)), p), "Saved"); products(); } catch (e) { msg.textContent = explain(e); }
      } }, "Save product") : "");
  }

  function transfer() {
    const file = h("input", { type: "file", accept: ".yaml,.yml" });
    const msg = h("pre", { class: "problems" });
    $("#transfer").replaceChildren(h("h2", {}, "Import and export"),
      h("div", { class: "row" }, h("a", { class: "button ghost", href: "/api/v1/console" + shopPath("/export"), download: S.shop + ".yaml" }, "Export shop file")),
      canEdit ? h("div", { class: "row" }, file, h("button", { type: "button", onclick: async () => {
        if (!file.files[0]) return;
        msg.textContent = "";
        try { await act(async () => api("POST", shopPath("/import?name=" + encodeURIComponent(file.files[0].name)), null, await file.files[0].text()), "Imported"); load(); }
        catch (e) { msg.textContent = explain(e); }
      } }, "Import")) : "", msg);
  }
  await Promise.all([load(), profile(), packs(), products(), audit()]);
  transfer();
}

// ---------------------------------------------------------------- training

async function trainingPage(main) {
  const unresolved = h("ul", { class: "plain", id: "unresolved" });
  const low = h("ul", { class: "plain", id: "low" });
  const chatIn = h("input", { id: "chat-text", placeholder: "Ask what a caller would ask", style: "flex:1" });
  const chatOut = h("div", { id: "chat-out" });
  const faqs = (await api("GET", shopPath("/faqs"))).faqs;
  const dl = h("datalist", { id: "faq-ids" }, ...faqs.map(f => h("option", { value: f.id }, text(f.question))));
  main.replaceChildren(h("h1", {}, "Scene training"), dl, h("div", { class: "grid" },
    h("section", { class: "card" }, h("h2", {}, "Questions the bot could not answer"), unresolved,
      h("h2", { style: "margin-top:1rem" }, "Answered with low confidence"), low),
    h("section", { class: "card" }, h("h2", {}, "Test chat"),
      h("form", { class: "row", onsubmit: ev => { ev.preventDefault(); chat(); } }, chatIn, h("button", { id: "chat-send", type: "submit" }, "Ask")), chatOut)));

  async function chat() {
    if (!chatIn.value.trim()) return;
    const r = await act(() => api("POST", shopPath("/test-chat"), { text: chatIn.value }));
    const rp = r.reply;
    chatOut.replaceChildren(
      h("div", { class: "sugg", id: "chat-answer", "data-faq": rp.faq || "" },
        h("div", { class: "row" }, h("strong", {}, rp.faq || (rp.out_of_scope ? "out of scope" : rp.action || "no answer")), h("span", { class: "pill" }, pct(rp.confidence))),
        h("div", {}, rp.text)),
      h("div", { class: "muted" }, "Runner-ups:"),
      ...r.candidates.map(c => h("div", { class: "row" }, h("span", { class: "pill" }, pct(c.confidence)), c.faq + " — " + c.question)));
  }

  function item(it, url) {
    const faq = h("input", { class: "faq", list: "faq-ids", placeholder: "FAQ id", value: it.top_faq || "" });
    const newId = h("input", { class: "new-id", placeholder: "new FAQ id (category.name)" });
    const newAns = h("input", { class: "new-answer", placeholder: "answer", style: "flex:1" });
    const done = async (body, msg) => { await act(() => api("POST", url, body), msg); load(); };
    return h("li", { class: "train", "data-text": it.text },
      h("div", { class: "row" }, h("strong", {}, it.text), h("span", { class: "pill" }, it.lang), h("span", { class: "muted" }, "best guess " + (it.top_faq || "none") + " " + pct(it.confidence))),
      ...(it.context || []).map(c => h("div", { class: "muted" }, c.who + ": " + c.text)),
      h("div", { class: "row" }, faq, h("button", { type: "button", class: "assign", onclick: () => done({ action: "assign", faq: faq.value }, "Trained: the bot answers it now") }, "Assign to FAQ"),
        h("button", { type: "button", class: "ghost oos", onclick: () => done({ action: "out_of_scope" }, "Marked out of scope") }, "Out of scope")),
      h("div", { class: "row" }, newId, newAns, h("button", { type: "button", class: "ghost", onclick: () => {
        const cat = newId.value.split(".")[0];
        const q = {}; q[it.lang] = it.text;
        const a = {}; for (const l of ["zh", "en"]) a[l] = newAns.value;
        q[it.lang === "zh" ? "en" : "zh"] = it.text;
        done({ action: "new_faq", new: { id: newId.value, category: cat, question: q, answer: a } }, "New FAQ created");
      } }, "New FAQ")));
  }

  async function load() {
    const r = await api("GET", shopPath("/training"));
    const base = shopPath("/training/");
    unresolved.replaceChildren(...r.unresolved.map(it => item(it, base + "unresolved/" + it.id)));
    if (!r.unresolved.length) unresolved.replaceChildren(h("li", { class: "muted" }, "Nothing to train."));
    low.replaceChildren(...r.low_confidence.slice(0, 30).map(it => item(it, base + "turns/" + it.turn_id)));
    if (!r.low_confidence.length) low.replaceChildren(h("li", { class: "muted" }, "Nothing below " + pct(r.below) + "."));
  }
  await load();
}

// ---------------------------------------------------------------- metrics

function barChart(id, rows, label, fmt) {
  const W = 560, bh = 22, lw = 230, H = Math.max(1, rows.length) * (bh + 6) + 8;
  const maxv = Math.max(1, ...rows.map(r => r.n));
  return s("svg", { id, viewBox: "0 0 " + W + " " + H, width: "100%", role: "img", "aria-label": label },
    ...rows.map((r, i) => s("g", { transform: "translate(0," + (4 + i * (bh + 6)) + ")" },
      s("text", { x: 0, y: bh * .7 }, (r.label || r.key).slice(0, 34)),
      s("rect", { x: lw, y: 0, height: bh, width: Math.max(2, (W - lw - 60) * r.n / maxv), fill: "#0b5fff", rx: 3 }),
      s("text", { x: lw + 6 + (W - lw - 60) * r.n / maxv, y: bh * .7 }, fmt ? fmt(r.n) : r.n))));
}

// buckets spreads counts keyed by UTC hour ("2006-01-02T15") over every
// hour (or day) of the period, zeros included.
function buckets(rows, since, until, daily) {
  const step = daily ? 864e5 : 36e5;
  const by = new Map(rows.map(r => [r.key, r.n]));
  const out = [];
  let t = Math.floor(new Date(since).getTime() / step) * step;
  for (; t <= new Date(until).getTime() && out.length < 400; t += step) {
    let n = 0;
    if (daily) for (let k = 0; k < 24; k++) n += by.get(new Date(t + k * 36e5).toISOString().slice(0, 13)) || 0;
    else n = by.get(new Date(t).toISOString().slice(0, 13)) || 0;
    out.push({ key: new Date(t).toISOString().slice(0, 13), n, daily });
  }
  return out;
}

function hourChart(id, rows) {
  const W = 560, H = 180, pad = 28;
  const maxv = Math.max(1, ...rows.map(r => r.n));
  const bw = rows.length ? (W - pad) / rows.length : 0;
  return s("svg", { id, viewBox: "0 0 " + W + " " + H, width: "100%", role: "img", "aria-label": "calls per hour" },
    s("line", { x1: pad, y1: H - 20, x2: W, y2: H - 20, stroke: "#aab2bd" }),
    s("text", { x: 0, y: 12 }, maxv),
    ...rows.map((r, i) => {
      const bh = (H - 40) * r.n / maxv;
      const hour = new Date(r.key + ":00:00Z");
      return s("g", {}, s("rect", { x: pad + i * bw + 1, y: H - 20 - bh, width: Math.max(1, bw - 2), height: bh, fill: "#137333" }, s("title", {}, hour.toLocaleString() + ": " + r.n)),
        (rows.length <= 24 || i % Math.ceil(rows.length / 12) === 0) ? s("text", { x: pad + i * bw, y: H - 4 }, r.daily || hour.getHours() === 0 ? (hour.getMonth() + 1) + "/" + hour.getDate() : hour.getHours() + "h") : null);
    }));
}

async function metricsPage(main) {
  const days = h("select", { id: "days" }, ...[1, 7, 30, 90].map(d => h("option", { value: d, selected: d === 7 }, "last " + d + " day" + (d > 1 ? "s" : ""))));
  const body = h("div");
  main.replaceChildren(h("h1", {}, "Metrics"), h("div", { class: "row" }, days), body);
  days.onchange = load;
  async function load() {
    const q = "?days=" + days.value + "&lang=en";
    const [m, c] = await Promise.all([api("GET", shopPath("/metrics" + q)), api("GET", shopPath("/complaints" + q))]);
    const stat = (label, v, id) => h("div", { class: "card" }, h("div", { class: "muted" }, label), h("div", { class: "stat", id }, v));
    body.replaceChildren(
      h("div", { class: "stats" }, stat("Bot resolution rate", pct(m.resolution_rate), "m-resolution"), stat("Handoff rate", pct(m.handoff_rate), "m-handoff"),
        stat("Sessions", m.sessions), stat("Caller turns", m.turns), stat("Unresolved questions", m.unresolved, "m-unresolved"), stat("Low-confidence answers", m.low_confidence)),
      h("div", { class: "grid", style: "margin-top:1rem" },
        h("section", { class: "card" }, h("h2", {}, "Top questions"), m.top_questions.length ? barChart("chart-top", m.top_questions.map(r => ({ key: r.key, n: r.n, label: m.questions[r.key] || r.key })), "top questions") : h("p", { class: "muted" }, "No questions yet.")),
        h("section", { class: "card" }, h("h2", {}, "Handoff reasons"), m.handoff_reasons.length ? barChart("chart-reasons", m.handoff_reasons, "handoff reasons") : h("p", { class: "muted" }, "No handoffs.")),
        h("section", { class: "card" }, h("h2", {}, days.value > 7 ? "Calls per day" : "Calls per hour"), hourChart("chart-hours", buckets(m.calls_per_hour, m.since, m.until, days.value > 7))),
        h("section", { class: "card" }, h("h2", {}, "Response latency per door"),
          h("div", { class: "scroll" }, h("table", { id: "latency" }, h("thead", {}, h("tr", {}, ["Door", "Turns", "Heard p50", "p95", "p99", "Brain p50", "p95"].map(x => h("th", {}, x)))),
            h("tbody", {}, ...m.latency.map(l => h("tr", {}, h("td", {}, l.door), h("td", {}, l.brain.n), h("td", {}, ms(l.response.p50)), h("td", {}, ms(l.response.p95)),
              h("td", {}, ms(l.response.p99)), h("td", {}, ms(l.brain.p50)), h("td", {}, ms(l.brain.p95)))))))),
        h("section", { class: "card", id: "complaints" }, h("h2", {}, "Complaint report"),
          h("div", { class: "row" }, h("a", { class: "button ghost", id: "complaints-csv", href: "/api/v1/console" + shopPath("/complaints" + q + "&format=csv"), download: "complaints.csv" }, "Export CSV")),
          c.complaints.length ? h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Type"), h("th", {}, "Count"), h("th", {}, "Examples"))),
            h("tbody", {}, ...c.complaints.map(ct => h("tr", {}, h("td", {}, c.labels[ct.type] || ct.type), h("td", {}, ct.n),
              h("td", {}, ...ct.examples.map(ex => h("div", {}, "“" + ex.text + "” ", h("span", { class: "muted" }, new Date(ex.at).toLocaleString())))))))) : h("p", { class: "muted" }, "No complaints in this period."))));
  }
  await load();
}

// ---------------------------------------------------------------- users

async function usersPage(main) {
  const tbody = h("tbody");
  const name = h("input", { id: "new-name", placeholder: "name" });
  const role = h("select", { id: "new-role" }, ...["agent", "trainer", "admin"].map(r => h("option", { value: r }, r)));
  const pw = h("input", { id: "new-password", type: "password", placeholder: "password (8+)", autocomplete: "new-password" });
  main.replaceChildren(h("h1", {}, "Users"), h("div", { class: "grid" },
    h("section", { class: "card" }, h("table", { id: "users" }, h("thead", {}, h("tr", {}, ["Name", "Role", "State", ""].map(x => h("th", {}, x)))), tbody)),
    h("section", { class: "card" }, h("h2", {}, "Add a user"), name, role, pw,
      h("div", { class: "row" }, h("button", { type: "button", id: "add-user", onclick: async () => {
        await act(() => api("POST", "/users", { name: name.value, role: role.value, password: pw.value }), "User added");
        name.value = pw.value = ""; load();
      } }, "Add")))));
  async function load() {
    const { users } = await api("GET", "/users");
    tbody.replaceChildren(...users.map(u => {
      const r = h("select", {}, ...["agent", "trainer", "admin"].map(x => h("option", { value: x, selected: x === u.role }, x)));
      r.onchange = () => act(() => api("PUT", "/users/" + encodeURIComponent(u.name), { role: r.value }), "Role changed").then(load, load);
      return h("tr", {}, h("td", {}, u.name), h("td", {}, r), h("td", {}, u.disabled ? "disabled" : "active"),
        h("td", {}, h("button", { type: "button", class: "ghost", onclick: () => act(() => api("PUT", "/users/" + encodeURIComponent(u.name), { disabled: !u.disabled }), "Saved").then(load, load) }, u.disabled ? "Enable" : "Disable"),
          " ", h("button", { type: "button", class: "danger", onclick: () => confirm("Delete " + u.name + "?") && act(() => api("DELETE", "/users/" + encodeURIComponent(u.name)), "Deleted").then(load, load) }, "Delete")));
    }));
  }
  await load();
}

window.addEventListener("DOMContentLoaded", () => boot().catch(e => { if (e.status !== 401) toast(explain(e), true); }));
