// Earshot pages: the player and the transcript follow each other; the waveform is drawn
// from a small peaks summary. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  'use strict';

  // Errors are collected so that the browser tests can assert there were none.
  window.earshotErrors = [];
  window.addEventListener('error', function (e) { window.earshotErrors.push(String(e.message)); });
  window.addEventListener('unhandledrejection', function (e) { window.earshotErrors.push(String(e.reason)); });
  document.addEventListener('securitypolicyviolation', function (e) {
    window.earshotErrors.push('Content-Security-Policy blocked ' + e.blockedURI + ' (' + e.violatedDirective + ')');
  });

  document.documentElement.classList.add('js');

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('input[data-back]').forEach(function (input) {
      input.value = location.pathname + location.search;
    });
    document.querySelectorAll('select[data-autosubmit]').forEach(function (select) {
      select.addEventListener('change', function () { select.form.submit(); });
    });
    // Load a chosen file into a text area (the routing import posts text, not files).
    document.querySelectorAll('input[type=file][data-load-into]').forEach(function (input) {
      input.addEventListener('change', function () {
        var file = input.files && input.files[0];
        var target = document.getElementById(input.dataset.loadInto);
        if (!file || !target) return;
        file.text().then(function (text) { target.value = text; });
      });
    });
    document.querySelectorAll('form[data-confirm]').forEach(function (form) {
      form.addEventListener('submit', function (e) {
        if (!window.confirm(form.dataset.confirm)) e.preventDefault();
      });
    });
    setUpPlayer();
  });

  function setUpPlayer() {
    var player = document.getElementById('player');
    if (!player) return;
    var segments = Array.prototype.slice.call(document.querySelectorAll('.segment'));
    var times = segments.map(function (s) {
      return { start: parseFloat(s.dataset.start), end: parseFloat(s.dataset.end) };
    });
    var current = document.querySelector('.segment.current');

    // The segment under way at `t` (the latest started, if several overlap), else the next one.
    function segmentAt(t) {
      for (var i = times.length - 1; i >= 0; i--) {
        if (times[i].start <= t && t < Math.max(times[i].end, times[i].start + 0.001)) return segments[i];
      }
      for (var j = 0; j < times.length; j++) {
        if (times[j].start >= t) return segments[j];
      }
      return null;
    }

    function highlight(segment) {
      if (segment === current) return;
      if (current) current.classList.remove('current');
      current = segment;
      if (!segment) return;
      segment.classList.add('current');
      var list = segment.parentElement;
      var top = segment.offsetTop - list.offsetTop;
      if (top < list.scrollTop || top + segment.offsetHeight > list.scrollTop + list.clientHeight) {
        list.scrollTo({ top: Math.max(0, top - list.clientHeight / 3), behavior: 'smooth' });
      }
    }

    function seek(seconds) {
      player.currentTime = seconds;
      highlight(segmentAt(seconds));
    }

    segments.forEach(function (segment, i) {
      function go() {
        seek(times[i].start);
        var playing = player.play();
        if (playing && playing.catch) playing.catch(function () { /* autoplay refused: stay paused */ });
      }
      segment.addEventListener('click', go);
      segment.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); }
      });
    });

    player.addEventListener('timeupdate', function () {
      var s = segmentAt(player.currentTime);
      // Between segments keep the last one lit rather than jumping ahead.
      if (s && parseFloat(s.dataset.start) > player.currentTime && current) return;
      highlight(s);
    });

    // Opened from a search hit: `?t=` (rendered as data-start) or `#t=`.
    var start = player.dataset.start ? parseFloat(player.dataset.start) : NaN;
    var hash = /(?:^#|&)t=([0-9.]+)/.exec(location.hash);
    if (isNaN(start) && hash) start = parseFloat(hash[1]);
    if (!isNaN(start)) {
      highlight(segmentAt(start));
      if (player.readyState >= 1) {
        player.currentTime = start;
      } else {
        player.addEventListener('loadedmetadata', function () { player.currentTime = start; }, { once: true });
      }
    }

    drawWaveform(player);
    setUpShortcuts(player);
  }

  // Keys for listening while scoring: k or space play/pause, j/l (or ←/→) back/forward 5 s,
  // c comment at this moment. Not while typing in a field; on an answer just chosen the
  // letters still work.
  function setUpShortcuts(player) {
    document.addEventListener('keydown', function (e) {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      var t = e.target;
      var key = e.key;
      // On a radio button or a check box (an answer just chosen) the letters still work;
      // space and the arrows keep their own meaning there.
      var choosing = t && t.tagName === 'INPUT' && /^(radio|checkbox)$/.test(t.type);
      if (choosing && !/^[kjlc]$/.test(key)) return;
      if (!choosing && t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      if (key === 'k' || (key === ' ' && !(t && /^(BUTTON|A|SUMMARY)$/.test(t.tagName)))) {
        e.preventDefault();
        if (player.paused) {
          var p = player.play();
          if (p && p.catch) p.catch(function () { /* refused: stay paused */ });
        } else {
          player.pause();
        }
      } else if (key === 'j' || key === 'ArrowLeft') {
        e.preventDefault();
        player.currentTime = Math.max(0, player.currentTime - 5);
      } else if (key === 'l' || key === 'ArrowRight') {
        e.preventDefault();
        var end = isFinite(player.duration) ? player.duration : player.currentTime + 5;
        player.currentTime = Math.min(end, player.currentTime + 5);
      } else if (key === 'c') {
        e.preventDefault();
        document.dispatchEvent(new CustomEvent('earshot:comment'));
      }
    });
  }

  function drawWaveform(player) {
    var canvas = document.getElementById('waveform');
    if (!canvas || !canvas.getContext) return;
    var peaks = null;
    fetch(canvas.dataset.peaks, { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || !data.channels || !data.channels.length) { canvas.hidden = true; return; }
        peaks = data;
        draw();
      })
      .catch(function () { canvas.hidden = true; });

    function draw() {
      var ratio = window.devicePixelRatio || 1;
      var width = canvas.clientWidth, height = canvas.clientHeight;
      canvas.width = width * ratio; canvas.height = height * ratio;
      var ctx = canvas.getContext('2d');
      ctx.scale(ratio, ratio);
      ctx.clearRect(0, 0, width, height);
      var mid = height / 2;
      var colors = ['#0f7b6c', '#7a4cc2'];
      peaks.channels.forEach(function (channel, c) {
        ctx.fillStyle = colors[c % colors.length];
        var step = width / channel.length;
        channel.forEach(function (p, i) {
          var h = Math.max(1, (p / 100) * (mid - 2));
          // Caller above the middle line, agent below.
          if (c === 0) ctx.fillRect(i * step, mid - h, Math.max(1, step - 0.5), h);
          else ctx.fillRect(i * step, mid, Math.max(1, step - 0.5), h);
        });
      });
      var duration = player.duration || peaks.duration_ms / 1000;
      if (duration > 0) {
        ctx.fillStyle = 'rgba(31, 95, 191, 0.85)';
        ctx.fillRect((player.currentTime / duration) * width - 1, 0, 2, height);
      }
    }

    ['timeupdate', 'seeked', 'loadedmetadata'].forEach(function (event) {
      player.addEventListener(event, function () { if (peaks) draw(); });
    });
    window.addEventListener('resize', function () { if (peaks) draw(); });
    canvas.addEventListener('click', function (e) {
      var duration = player.duration || (peaks ? peaks.duration_ms / 1000 : 0);
      if (!duration) return;
      var rect = canvas.getBoundingClientRect();
      player.currentTime = ((e.clientX - rect.left) / rect.width) * duration;
    });
  }
})();
