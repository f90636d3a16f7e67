/* The incoming-call pop-up on the hotline portal.
 *
 * live.js passes on each "call" message of the agent's socket as a "live-call" event:
 * a call for this agent opens (or refreshes) its pop-up, read from /calls/<id>/; a call
 * answered by someone else closes it. A page opened during a call asks /calls/current/.
 */
(function () {
  "use strict";
  const box = document.querySelector("[data-call-popups]");
  if (!box) return;
  const base = box.dataset.callUrl;
  const closed = new Set();

  function show(url) {
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (r) { return r.status === 200 ? r.text() : ""; })
      .then(function (html) {
        if (!html) return;
        const holder = document.createElement("div");
        holder.innerHTML = html;
        const popup = holder.firstElementChild ? holder.querySelector("[data-call]") : null;
        if (!popup || closed.has(popup.dataset.call)) return;
        const old = box.querySelector('[data-call="' + popup.dataset.call + '"]');
        if (old) old.replaceWith(popup); else box.prepend(popup);
      })
      .catch(function () { /* the next push or page load tries again */ });
  }

  function hide(id) {
    const old = box.querySelector('[data-call="' + id + '"]');
    if (old) old.remove();
  }

  document.body.addEventListener("live-call", function (e) {
    const call = String(e.detail.call);
    if (e.detail.mine) show(base + call + "/"); else hide(call);
  });
  box.addEventListener("click", function (e) {
    const button = e.target.closest("[data-call-close]");
    if (!button) return;
    const popup = button.closest("[data-call]");
    closed.add(popup.dataset.call);
    popup.remove();
  });
  show(base + "current/");
})();
