// Earshot QA pages: the scorecard builder (add, move and remove rows) and the evaluation page
// (answers saved as they are chosen, comments added at the player's position without a
// reload, so the audio keeps playing). Everything here also works without it: forms post.
(function () {
  'use strict';

  var csrf = function () {
    var input = document.querySelector('input[name=csrf]');
    return input ? input.value : '';
  };

  function api(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) {
          var e = data && data.error;
          throw new Error(e ? (e.detail || e.message) : ('HTTP ' + r.status));
        }
        return data;
      });
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    setUpBuilder();
    setUpEvaluation();
  });

  // ----- builder ------------------------------------------------------------------------------

  function setUpBuilder() {
    var form = document.getElementById('builder');
    if (!form) return;
    var sections = document.getElementById('sections');
    var questionTemplate = document.getElementById('question-template');
    var sectionTemplate = document.getElementById('section-template');
    var counter = 1000;

    function fromTemplate(template, sid, qid) {
      var html = template.innerHTML.split('__S__').join(sid).split('__Q__').join(qid);
      var holder = document.createElement('div');
      holder.innerHTML = html.trim();
      return holder.firstElementChild;
    }

    function addQuestion(section) {
      var sid = section.dataset.id;
      var row = fromTemplate(questionTemplate, sid, String(counter++));
      section.querySelector('[data-questions]').appendChild(row);
      var key = row.querySelector('input[name$=".key"]');
      if (key && !key.value) key.value = 'q' + counter;
      var text = row.querySelector('input[name$=".text"]');
      if (text) text.focus();
    }

    form.addEventListener('click', function (e) {
      var target = e.target.closest('button');
      if (!target || !form.contains(target)) return;
      if (target.hasAttribute('data-add-question')) {
        addQuestion(target.closest('[data-section]'));
      } else if (target.hasAttribute('data-add-section')) {
        var section = fromTemplate(sectionTemplate, String(counter++), '');
        sections.appendChild(section);
        addQuestion(section);
      } else if (target.hasAttribute('data-remove')) {
        var item = target.closest('[data-question]') || target.closest('[data-section]');
        if (item) item.remove();
      } else if (target.hasAttribute('data-move')) {
        var row = target.closest('[data-question]') || target.closest('[data-section]');
        if (!row) return;
        if (target.dataset.move === '-1' && row.previousElementSibling) {
          row.parentNode.insertBefore(row, row.previousElementSibling);
        } else if (target.dataset.move === '1' && row.nextElementSibling) {
          row.parentNode.insertBefore(row.nextElementSibling, row);
        }
      }
    });
    form.addEventListener('change', function (e) {
      if (e.target.matches('[data-kind-select]')) {
        e.target.closest('[data-question]').dataset.kind = e.target.value;
      }
    });
  }

  // ----- evaluation ---------------------------------------------------------------------------

  function setUpEvaluation() {
    var form = document.getElementById('evaluation-form');
    var player = document.getElementById('player');
    if (form && form.dataset.api) setUpAutosave(form);
    setUpComments(player);
  }

  function answersOf(form) {
    var answers = {};
    form.querySelectorAll('.question[data-key]').forEach(function (q) {
      var key = q.dataset.key;
      var value = '';
      var checked = q.querySelector('input[type=radio]:checked');
      var number = q.querySelector('input[type=number]');
      var na = q.querySelector('input[type=checkbox][name^="na."]');
      if (checked) value = checked.value;
      else if (na && na.checked) value = 'na';
      else if (number) value = number.value;
      answers[key] = value;
    });
    return answers;
  }

  function showOutcome(outcome, evaluation) {
    var score = document.getElementById('score');
    if (score) score.textContent = outcome.score === null ? '—' : outcome.score.toFixed(1);
    var passed = document.getElementById('passed');
    if (passed) {
      passed.classList.remove('ok', 'fail');
      if (outcome.passed !== null) passed.classList.add(outcome.passed ? 'ok' : 'fail');
      passed.textContent = outcome.passed === null ? '' : (outcome.passed ? passed.dataset.pass : passed.dataset.fail) || passed.textContent;
    }
    ['customer', 'business', 'compliance'].forEach(function (c, i) {
      var badge = document.querySelector('[data-accuracy="' + i + '"]');
      if (!badge) return;
      var v = outcome[c];
      badge.classList.remove('ok', 'fail', 'na');
      badge.classList.add(v === true ? 'ok' : v === false ? 'fail' : 'na');
      badge.textContent = v === true ? '100 %' : v === false ? '0 %' : '—';
    });
    document.querySelectorAll('.question[data-key]').forEach(function (q) {
      q.classList.toggle('critical-failed', outcome.critical_failures.indexOf(q.dataset.key) >= 0);
    });
    void evaluation;
  }

  function setUpAutosave(form) {
    var state = document.getElementById('autosave-state');
    var timer = null;
    var saving = Promise.resolve();
    function save() {
      var answers = answersOf(form);
      if (state) state.textContent = state.dataset.saving || '…';
      saving = saving.then(function () {
        return api('PUT', form.dataset.api, { answers: answers, submit: false })
          .then(function (data) {
            showOutcome(data.outcome, data.evaluation);
            if (state) state.textContent = state.dataset.saved || '✓';
            form.dataset.savedAt = String(Date.now());
          })
          .catch(function (e) { if (state) state.textContent = e.message; });
      });
    }
    form.addEventListener('change', function () {
      clearTimeout(timer);
      timer = setTimeout(save, 300);
    });
  }

  function setUpComments(player) {
    document.addEventListener('click', function (e) {
      var seek = e.target.closest('[data-seek]');
      if (!seek || !player) return;
      player.currentTime = parseFloat(seek.dataset.seek);
      var p = player.play();
      if (p && p.catch) p.catch(function () {});
    });
    var form = document.getElementById('comment-form');
    if (!form) return;
    var at = document.getElementById('comment-at');
    var body = document.getElementById('comment-body');
    // m:ss.t for the time field, truncated (never rounded up past the moment) like the server.
    function clock(seconds) {
      var tenths = Math.floor(seconds * 10);
      var m = Math.floor(tenths / 600), s = (tenths % 600) / 10;
      return m + ':' + (s < 10 ? '0' : '') + s.toFixed(1);
    }
    // m:ss as the page writes a comment's moment.
    function wholeClock(seconds) {
      var whole = Math.floor(seconds);
      var m = Math.floor(whole / 60), s = whole % 60;
      return m + ':' + (s < 10 ? '0' : '') + s;
    }
    // The moment is taken when the reviewer starts writing, not when they finish.
    body.addEventListener('focus', function () {
      if (player && !at.value) at.value = clock(player.currentTime);
    });
    document.addEventListener('earshot:comment', function () {
      if (player) at.value = clock(player.currentTime);
      body.focus();
    });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var text = at.value.trim();
      var ms = null;
      if (text) {
        var parts = text.split(':');
        var seconds = parts.length === 2 ? parseFloat(parts[0]) * 60 + parseFloat(parts[1]) : parseFloat(text);
        if (!isFinite(seconds) || seconds < 0) { at.focus(); return; }
        ms = Math.round(seconds * 1000);
      }
      var question = form.querySelector('select[name=question]');
      api('POST', form.dataset.api, { at_ms: ms, question: question.value || null, body: body.value })
        .then(function (data) {
          var c = data.comment;
          var li = document.createElement('li');
          li.className = 'comment';
          if (c.at_ms !== null) {
            var b = document.createElement('button');
            b.type = 'button';
            b.className = 'link seek';
            b.dataset.seek = String(c.at_ms / 1000);
            b.textContent = wholeClock(c.at_ms / 1000);
            li.appendChild(b);
            li.appendChild(document.createTextNode(' '));
          }
          var who = document.createElement('strong');
          who.textContent = c.author;
          li.appendChild(who);
          if (question.value) {
            var about = document.createElement('small');
            about.className = 'muted';
            about.textContent = ' · ' + question.options[question.selectedIndex].text;
            li.appendChild(about);
          }
          var p = document.createElement('p');
          p.textContent = c.body;
          li.appendChild(p);
          document.getElementById('comment-list').appendChild(li);
          var none = document.getElementById('no-comments');
          if (none) none.remove();
          body.value = '';
          at.value = '';
        })
        .catch(function (err) { window.alert(err.message); });
    });
  }
})();
