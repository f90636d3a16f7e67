/* Live updates and running clocks for the portals (no build step).
 *
 * The page says what it watches with data attributes on <body>:
 *   data-live-topics="board|inbox|work_order notifications"
 *   data-live-manufacturer, data-live-number  (the work_order topic)
 * Events arrive over /ws/live/ (protocol in docs/live.md). The last position
 * seen per stream is kept in sessionStorage and sent as `since` on reconnect;
 * ids already seen are dropped. Each new event fires a `live` DOM event on
 * <body>; regions that want fresh content carry hx-trigger="live from:body".
 */
(function () {
  "use strict";
  const body = document.body;
  const topics = (body.dataset.liveTopics || "").split(/\s+/).filter(Boolean);

  // --- running clocks: every [data-due] shows time left or overdue, every second ---
  // Words in the page's language, from <body data-text-*> (no inline script: the CSP forbids it).
  const L = {
    left: body.dataset.textLeft, overdue: body.dataset.textOverdue,
    d: body.dataset.textD, h: body.dataset.textH, m: body.dataset.textM, s: body.dataset.textS,
  };
  function span(seconds) {
    const s = Math.abs(Math.floor(seconds));
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d) return d + (L.d || "d") + " " + h + (L.h || "h");
    if (h) return h + (L.h || "h") + " " + m + (L.m || "m");
    return m + (L.m || "m") + " " + (s % 60) + (L.s || "s");
  }
  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      if (el.dataset.paused) return;
      const due = Date.parse(el.dataset.due);
      const warn = el.dataset.warn ? Date.parse(el.dataset.warn) : due - 30 * 60 * 1000;
      const left = (due - now) / 1000;
      el.classList.remove("clock-ok", "clock-warn", "clock-over");
      if (left < 0) {
        el.classList.add("clock-over");
        el.textContent = (L.overdue || "overdue by %s").replace("%s", span(left));
      } else {
        el.classList.add(now >= warn ? "clock-warn" : "clock-ok");
        el.textContent = (L.left || "%s left").replace("%s", span(left));
      }
    });
  }
  tick();
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSwap", tick);

  // --- the part-lines editor: add and remove rows, never more than the maximum ---
  document.querySelectorAll("[data-lines]").forEach(function (editor) {
    const max = parseInt(editor.dataset.max || "6", 10);
    const rows = editor.querySelector("[data-rows]");
    const add = editor.querySelector("[data-add]");
    const template = editor.querySelector("template");
    function refresh() {
      const n = rows.querySelectorAll("[data-row]").length;
      add.disabled = n >= max;
      editor.querySelector("[data-count]").textContent = n + " / " + max;
    }
    add.addEventListener("click", function () {
      if (rows.querySelectorAll("[data-row]").length >= max) return;
      rows.appendChild(template.content.cloneNode(true));
      refresh();
    });
    rows.addEventListener("click", function (e) {
      const button = e.target.closest("[data-remove]");
      if (button) { button.closest("[data-row]").remove(); refresh(); }
    });
    refresh();
  });

  // --- one submission per form: a second click does nothing ---
  // A disabled button is not sent, so the name and value of the button that was pressed
  // (the top bar's language, a decision) travel in a hidden field instead.
  document.addEventListener("submit", function (e) {
    const form = e.target;
    if (form.dataset.submitted) { e.preventDefault(); return; }
    form.dataset.submitted = "1";
    const pressed = e.submitter;
    if (pressed && pressed.name) {
      const carried = document.createElement("input");
      carried.type = "hidden";
      carried.name = pressed.name;
      carried.value = pressed.value;
      form.appendChild(carried);
    }
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });
  // A page shown again from the browser's history keeps its forms usable.
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) return;
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      delete form.dataset.submitted;
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
    });
  });

  // --- a live refresh never takes away what a person is doing ---
  // A region refreshed live is replaced whole; while a form in it has entries the person has
  // not sent yet, or a section they opened, the refresh waits (sending the form reloads the
  // page). Closing that section, or clearing the form, lets the waiting refresh happen.
  const BUSY = "form[data-editing], details[data-opened][open]";
  document.addEventListener("input", function (e) {
    const form = e.target.closest && e.target.closest("form");
    if (form) form.dataset.editing = "1";
  });
  document.addEventListener("reset", function (e) { delete e.target.dataset.editing; refreshWaiting(); });
  document.addEventListener("click", function (e) {
    const summary = e.target.closest && e.target.closest("details > summary");
    if (summary) summary.parentElement.dataset.opened = "1";
  });
  document.addEventListener("toggle", function (e) {
    if (!e.target.open) { delete e.target.dataset.opened; refreshWaiting(); }
  }, true);
  document.addEventListener("htmx:beforeRequest", function (e) {
    const region = e.detail && e.detail.elt;
    if (region && region.querySelector && region.querySelector(BUSY)) {
      region.dataset.stale = "1";
      e.preventDefault();
    }
  });
  // A refresh already under way when the person started is not swapped in either.
  document.addEventListener("htmx:beforeSwap", function (e) {
    const region = e.detail && e.detail.elt;
    if (region && region.querySelector && region.querySelector(BUSY)) {
      region.dataset.stale = "1";
      e.detail.shouldSwap = false;
    }
  });
  function refreshWaiting() {
    const waiting = document.querySelectorAll("[data-stale]");
    if (!waiting.length || document.querySelector(BUSY)) return;
    waiting.forEach(function (region) { delete region.dataset.stale; });
    refresh({});
  }

  // --- a change announced while a region is still being fetched is not lost ---
  // htmx would queue that refresh on the region its answer replaces, where it is dropped. So
  // while any live region is on its way (until its answer is in and settled: htmx wires up the
  // regions it put in when they settle), a change is only noted; once none is, the page
  // refreshes for it (the answers may have been read before the change was written). Each
  // request is counted until its own end (loaded, failed, aborted or timed out, whether or not
  // its region is still on the page), so an answer that is not swapped in cannot leave the
  // count up, and a failing one is not fetched again and again.
  let fetching = 0, missed = null;
  function isLiveRefresh(e) {
    const config = e.detail && e.detail.requestConfig;
    return !!(config && config.triggeringEvent && config.triggeringEvent.type === "live");
  }
  document.addEventListener("htmx:beforeSend", function (e) {
    if (!isLiveRefresh(e) || !e.detail.xhr) return;
    fetching += 1;
    e.detail.xhr.addEventListener("loadend", function () {
      setTimeout(function () {
        fetching -= 1;
        if (fetching || !missed) return;
        const detail = missed;
        missed = null;
        refresh(detail);
      }, htmx.config.defaultSettleDelay);
    });
  });
  function refresh(detail) {
    if (fetching) { missed = detail; return; }
    body.dispatchEvent(new CustomEvent("live", { detail: detail }));
  }

  if (!topics.length || !window.WebSocket) return;

  // --- the socket ---
  const KEY = "live-since:" + location.host;
  // The page is current up to the positions it was rendered at; earlier ones need no replay.
  const since = Object.assign(JSON.parse(sessionStorage.getItem(KEY) || "{}"),
                              JSON.parse(body.dataset.liveSince || "{}"));
  const seen = new Set();
  let socket = null, delay = 1000, pending = null;

  const status = document.querySelector("[data-live-status]");
  function announce(detail) {
    // Several events in a burst refresh once.
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      refresh(detail);
      // Screen readers hear that the page changed (an aria-live region), once per burst.
      if (status) {
        status.textContent = "";
        setTimeout(function () { status.textContent = body.dataset.textUpdated || ""; }, 50);
      }
    }, 150);
  }

  function subscribe() {
    topics.forEach(function (topic) {
      const frame = { action: "subscribe", topic: topic, since: since };
      if (topic === "work_order") {
        frame.manufacturer = body.dataset.liveManufacturer;
        frame.number = body.dataset.liveNumber;
      }
      socket.send(JSON.stringify(frame));
    });
  }

  function onMessage(message) {
    const data = JSON.parse(message.data);
    if (data.type === "notification") {
      document.querySelectorAll("[data-unread]").forEach(function (el) {
        el.textContent = data.unread;
        el.hidden = !data.unread;
      });
    } else if (data.type === "event") {
      const key = data.stream + ":" + data.id;
      if (seen.has(key)) return;
      seen.add(key);
      if (!(data.position <= since[data.stream])) {
        since[data.stream] = data.position;
        sessionStorage.setItem(KEY, JSON.stringify(since));
      }
      announce(data);
    } else if (data.type === "call") {
      body.dispatchEvent(new CustomEvent("live-call", { detail: data }));
    } else if (data.type === "resync") {
      location.reload();
    } else if (data.type === "subscribed") {
      body.dataset.liveState = "open";
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/live/");
    socket.onopen = function () { delay = 1000; subscribe(); };
    socket.onmessage = onMessage;
    socket.onclose = function (e) {
      body.dataset.liveState = "closed";
      if (e.code === 4404) return;  // signed out or no longer a member here
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
