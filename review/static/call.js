// Call page: seek by clicking words/evidence/timeline, highlight the word being played, live score preview.
(function () {
  "use strict";
  var player = document.getElementById("player");
  var transcript = document.getElementById("transcript");
  var timeline = document.getElementById("timeline");
  var playhead = document.getElementById("playhead");
  var clock = document.getElementById("clock");
  var follow = document.getElementById("follow");
  var words = transcript ? Array.prototype.slice.call(transcript.querySelectorAll(".w")) : [];
  var times = words.map(function (w) { return [parseFloat(w.dataset.s), parseFloat(w.dataset.e)]; });
  var segs = transcript ? Array.prototype.slice.call(transcript.querySelectorAll(".seg")) : [];
  var duration = timeline ? parseFloat(timeline.dataset.duration) || 1 : 1;
  var current = null, currentSeg = null;

  function fmt(t) { var m = Math.floor(t / 60), s = t - 60 * m; return m + ":" + (s < 10 ? "0" : "") + s.toFixed(1); }

  function seek(t, play) {
    if (!player || isNaN(t)) { return; }
    player.currentTime = Math.max(0, t);
    render();
    if (play) { var p = player.play(); if (p && p.catch) { p.catch(function () {}); } }
  }

  function wordAt(t) {  // last word starting at or before t, if t is inside it (binary search)
    var lo = 0, hi = times.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (times[mid][0] <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found >= 0 && t < times[found][1] + 0.15 ? found : -1;
  }

  function render() {
    if (!player) { return; }
    var t = player.currentTime || 0;
    var i = wordAt(t);
    var w = i >= 0 ? words[i] : null;
    if (w !== current) {
      if (current) { current.classList.remove("cur"); }
      if (w) { w.classList.add("cur"); }
      current = w;
      var seg = w ? w.closest(".seg") : null;
      if (seg !== currentSeg) {
        if (currentSeg) { currentSeg.classList.remove("playing"); }
        if (seg) { seg.classList.add("playing"); }
        currentSeg = seg;
        if (seg && follow && follow.checked && !player.paused) {
          var box = transcript.getBoundingClientRect(), r = seg.getBoundingClientRect();
          if (r.top < box.top || r.bottom > box.bottom) { transcript.scrollTop += r.top - box.top - 40; }
        }
      }
    }
    if (playhead) { var x = (t / duration * 1000).toFixed(1); playhead.setAttribute("x1", x); playhead.setAttribute("x2", x); }
    if (clock) { clock.textContent = fmt(t) + " / " + fmt(duration); }
  }

  function loop() { render(); if (player && !player.paused) { window.requestAnimationFrame(loop); } }

  if (player) {
    player.addEventListener("play", loop);
    player.addEventListener("seeked", render);
    player.addEventListener("timeupdate", render);
    var rate = document.getElementById("rate");
    if (rate) { rate.addEventListener("change", function () { player.playbackRate = parseFloat(rate.value); }); }
    // coaching and analytics pages link to a moment as /calls/ID#t=SECONDS
    var moment = /^#t=([0-9.]+)$/.exec(window.location.hash);
    if (moment) { seek(parseFloat(moment[1]), false); }
  }

  document.addEventListener("click", function (ev) {
    var el = ev.target.closest(".w, .evidence, .ts");
    if (!el || el.dataset.s === undefined) { return; }
    ev.preventDefault();
    seek(parseFloat(el.dataset.s), true);
    if (el.classList.contains("evidence") && transcript) {  // show the quoted words
      var i = wordAt(parseFloat(el.dataset.s) + 0.01);
      if (i < 0) { i = times.findIndex(function (x) { return x[0] >= parseFloat(el.dataset.s); }); }
      if (i >= 0) {  // scroll the transcript only, not the page
        var box = transcript.getBoundingClientRect(), r = words[i].closest(".seg").getBoundingClientRect();
        transcript.scrollTop += r.top - box.top - box.height / 3;
      }
    }
  });

  if (timeline) {
    timeline.addEventListener("click", function (ev) {
      var r = timeline.getBoundingClientRect();
      seek((ev.clientX - r.left) / r.width * duration, true);
    });
  }

  document.addEventListener("keydown", function (ev) {  // space: play/pause; alt+arrows: 5 s
    if (!player || ev.target.closest("input, textarea, select, button")) { return; }
    if (ev.key === " ") { ev.preventDefault(); if (player.paused) { player.play(); } else { player.pause(); } }
    else if (ev.key === "ArrowLeft" && ev.altKey) { seek(player.currentTime - 5, false); }
    else if (ev.key === "ArrowRight" && ev.altKey) { seek(player.currentTime + 5, false); }
  });

  // review form: mark overrides, require their reason, preview the score by the scorecard's rules
  var form = document.getElementById("review-form");
  if (!form) { return; }
  var weights = JSON.parse(form.dataset.weights || "{}");
  var preview = document.getElementById("preview");

  function update() {
    var points = 0, max = 0, autofail = false, overrides = 0;
    form.querySelectorAll("tbody.item").forEach(function (body) {
      var checked = body.querySelector("input[type=radio]:checked");
      if (!checked) { return; }
      var id = body.dataset.item, outcome = checked.value, over = outcome !== body.dataset.machine;
      body.classList.toggle("overridden", over);
      body.classList.remove("out-pass", "out-fail", "out-not_applicable");
      body.classList.add("out-" + outcome);
      var reason = body.querySelector(".reason input");
      if (reason) { reason.required = over; }
      if (over) { overrides += 1; }
      var spec = weights[id];
      if (!spec || outcome === "not_applicable") { return; }
      max += spec.w;
      if (outcome === "pass") { points += spec.w; } else if (spec.af) { autofail = true; }
    });
    if (preview) {
      var pct = max ? Math.round(1000 * points / max) / 10 : null;
      preview.textContent = (overrides ? overrides + " override" + (overrides > 1 ? "s" : "") + " · " : "") +
        "would score " + (pct === null ? "–" : (autofail ? "0% (auto-fail)" : pct + "%"));
    }
  }
  form.addEventListener("change", update);
  update();
})();
