// Earshot live view: redraw the queue and agent tables from /api/v1/live and
// /api/v1/queues/stats every two seconds. The page is complete without this script.
(function () {
  'use strict';

  var POLL_MS = 2000;

  document.addEventListener('DOMContentLoaded', function () {
    var root = document.getElementById('live');
    if (!root || !window.fetch) return;
    var labels = JSON.parse(root.dataset.labels);
    var queuesBody = document.getElementById('live-queues');
    var agentsBody = document.getElementById('live-agents');
    var stale = document.getElementById('live-stale');
    var updated = document.getElementById('live-updated');
    // Server clock minus ours, so that "for how long" does not depend on the PC's clock.
    var skew = 0;
    var lastAgents = [];

    function getJson(url) {
      return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) {
          if (!r.ok) { var e = new Error(url + ': ' + r.status); e.status = r.status; throw e; }
          return r.json();
        });
    }

    function clock(ms) {
      var s = Math.max(0, Math.floor(ms / 1000));
      var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = s % 60;
      var pad = function (n) { return (n < 10 ? '0' : '') + n; };
      return h > 0 ? h + ':' + pad(m) + ':' + pad(sec) : m + ':' + pad(sec);
    }

    function percent(r) { return r === null || r === undefined ? '—' : (r * 100).toFixed(1) + '%'; }
    function meanWait(ms) { return ms === null || ms === undefined ? '—' : clock(Math.round(ms)); }

    function stateClass(state) {
      if (state === 'available') return 'ok';
      if (state === 'ringing' || state === 'on-call') return 'busy';
      if (state === 'break') return 'bad';
      return '';
    }

    function cell(row, text, className) {
      var td = document.createElement('td');
      if (className) td.className = className;
      if (text !== undefined && text !== null) td.textContent = String(text);
      row.appendChild(td);
      return td;
    }

    function badge(parent, text, className) {
      var span = document.createElement('span');
      span.className = 'badge ' + className;
      span.textContent = text;
      parent.appendChild(span);
      parent.appendChild(document.createTextNode(' '));
    }

    // In the contact center's UTC offset, as the server writes times, whatever the PC's zone.
    function localTime(ms) {
      var d = new Date(ms + labels.utc_offset_minutes * 60000);
      var pad = function (n) { return (n < 10 ? '0' : '') + n; };
      return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' +
        pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds());
    }

    function drawQueues(live, stats) {
      var byQueue = {};
      (stats.queues || []).forEach(function (s) { byQueue[s.queue] = s; });
      var rows = live.queues.map(function (q) {
        var s = byQueue[q.queue] || {};
        var tr = document.createElement('tr');
        tr.dataset.queue = q.queue;
        cell(tr, q.queue);
        cell(tr, q.waiting, 'num' + (q.waiting > 0 ? ' hot' : ''));
        cell(tr, clock(q.longest_wait_ms), 'num');
        var agents = cell(tr);
        labels.state_order.forEach(function (state) {
          var n = q.agents_by_state[state] || 0;
          if (n > 0) badge(agents, labels.states[state] + ' ' + n, stateClass(state));
        });
        cell(tr, s.offered || 0, 'num');
        cell(tr, s.answered || 0, 'num');
        var sl = cell(tr, percent(s.service_level) + ' ', 'num');
        var target = document.createElement('small');
        target.textContent = '≤ ' + clock(q.service_level_ms);
        sl.appendChild(target);
        cell(tr, percent(s.abandon_rate), 'num');
        cell(tr, meanWait(s.asa_ms), 'num');
        return tr;
      });
      queuesBody.replaceChildren.apply(queuesBody, rows);
      document.getElementById('live-no-queues').hidden = rows.length > 0;
    }

    function drawAgents(agents) {
      var now = Date.now() + skew;
      var rows = agents.map(function (a) {
        var tr = document.createElement('tr');
        tr.dataset.agent = a.agent;
        var who = cell(tr, (a.display_name || '') + ' ');
        var small = document.createElement('small');
        small.textContent = a.agent;
        who.appendChild(small);
        var state = cell(tr);
        badge(state, labels.states[a.state] || a.state, stateClass(a.state));
        cell(tr, clock(now - a.since_ms), 'num');
        cell(tr, localTime(a.since_ms));
        cell(tr, a.current_call || '');
        return tr;
      });
      agentsBody.replaceChildren.apply(agentsBody, rows);
      document.getElementById('live-no-agents').hidden = rows.length > 0;
    }

    function poll() {
      Promise.all([getJson('/api/v1/live'), getJson('/api/v1/queues/stats')])
        .then(function (results) {
          var live = results[0], stats = results[1];
          skew = live.now_ms - Date.now();
          lastAgents = live.agents;
          drawQueues(live, stats);
          drawAgents(live.agents);
          updated.textContent = localTime(live.now_ms);
          stale.hidden = true;
          setTimeout(poll, POLL_MS);
        })
        .catch(function (e) {
          stale.hidden = false;
          // Signed out or no longer allowed: polling again will not help.
          if (e && (e.status === 401 || e.status === 403)) return;
          setTimeout(poll, POLL_MS * 2);
        });
    }

    // Between polls, keep the "for how long" column ticking.
    setInterval(function () { if (lastAgents.length) drawAgents(lastAgents); }, 1000);
    setTimeout(poll, POLL_MS);
  });
})();
