/* The unread count in the tab's title, and (when the person switched them on in this browser)
 * a sound and a desktop notification when new work arrives. The count lives in the top bar's
 * [data-unread] badge, which live.js updates; this script follows the badge. */
(function () {
  "use strict";
  const badge = document.querySelector("[data-unread]");
  const PREFIX = /^\(\d+\) /;
  const KEY = "notify:";

  function count() {
    if (!badge || badge.hidden) return 0;
    const n = parseInt(badge.textContent, 10);
    return isNaN(n) ? 0 : n;
  }

  function setTitle(n) {
    const base = document.title.replace(PREFIX, "");
    document.title = n > 0 ? "(" + n + ") " + base : base;
  }

  function wanted(name) {
    try { return localStorage.getItem(KEY + name) === "on"; } catch (e) { return false; }
  }

  function beep() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      const ctx = new Context();
      const tone = ctx.createOscillator();
      const gain = ctx.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.4);
      tone.connect(gain).connect(ctx.destination);
      tone.start();
      tone.stop(ctx.currentTime + 0.4);
    } catch (e) { /* no audio: the title still tells */ }
  }

  function desktop(n) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const menu = document.querySelector("[data-text-new]");
    const text = (menu && menu.dataset.textNew) || "New notifications";
    try { new Notification(text + " (" + n + ")", { tag: "complaint-desk-unread" }); } catch (e) { /* ignored */ }
  }

  let last = count();
  setTitle(last);
  if (badge) {
    new MutationObserver(function () {
      const n = count();
      setTitle(n);
      if (n > last) {
        if (wanted("sound")) beep();
        if (wanted("desktop")) desktop(n);
      }
      last = n;
    }).observe(badge, { childList: true, characterData: true, subtree: true, attributes: true });
  }

  // The preferences page's switches for this browser: kept in localStorage; the desktop
  // notification asks the browser's permission only when the person switches it on.
  document.querySelectorAll("[data-notify-pref]").forEach(function (box) {
    const name = box.dataset.notifyPref;
    box.checked = wanted(name);
    box.addEventListener("change", function () {
      const store = function (on) {
        box.checked = on;
        try { localStorage.setItem(KEY + name, on ? "on" : "off"); } catch (e) { /* private mode */ }
      };
      if (name === "desktop" && box.checked && "Notification" in window && Notification.permission !== "granted") {
        Notification.requestPermission().then(function (answer) {
          store(answer === "granted");
          const denied = document.querySelector("[data-notify-denied]");
          if (denied) denied.hidden = answer === "granted";
        });
      } else {
        if (name === "sound" && box.checked) beep();
        store(box.checked);
      }
    });
  });
})();
