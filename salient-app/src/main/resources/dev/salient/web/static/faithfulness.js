'use strict';
// "How faithful is this map?": deletion and insertion curves of the map shown (and of a random map) from
// POST /api/faithfulness, a job with progress and cancel. app.js says what is shown with a 'salient:explained' event.
(() => {
  const $ = (id) => document.getElementById(id);
  const svgNs = 'http://www.w3.org/2000/svg';
  const state = { params: null, label: '', className: '', job: null, seq: 0 };

  async function api(path, options) {
    const res = await fetch(path, options);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.error || res.status + ' ' + res.statusText);
    return body;
  }
  function status(text) { $('faithfulness-status').textContent = text; }
  function busy(on) {
    $('faithfulness-progress').hidden = !on;
    $('faithfulness-cancel').hidden = !on;
    $('faithfulness-run').disabled = on || !state.params;
  }

  document.addEventListener('salient:explained', (e) => {
    if (state.params === e.detail.params) return;
    state.params = e.detail.params;
    state.label = e.detail.label;
    state.className = e.detail.className;
    state.seq++;
    if (state.job) cancel();
    $('faithfulness-result').textContent = '';
    status('');
    busy(false);
  });

  async function measure() {
    if (!state.params) return;
    const seq = ++state.seq;
    $('faithfulness-result').textContent = '';
    busy(true);
    try {
      let job = await api('/api/faithfulness?' + state.params, { method: 'POST' });
      state.job = job.id;
      while (job.state === 'queued' || job.state === 'running') {
        if (seq !== state.seq) return;
        $('faithfulness-progress').max = Math.max(job.total, 1);
        $('faithfulness-progress').value = job.done;
        status(job.state === 'queued' ? 'waiting for a worker…' : `${job.done} of ${job.total || '?'} done`);
        await new Promise((r) => setTimeout(r, 250));
        job = await api('/api/faithfulness/' + job.id);
      }
      if (seq !== state.seq) return;
      if (job.state === 'failed') throw new Error(job.error);
      if (job.state !== 'done') { status('Cancelled.'); return; }
      show(job.result);
      status(`${state.label} on “${state.className}”: ${job.result.steps} steps per curve.`);
    } catch (e) {
      if (seq === state.seq) status(e.message || String(e));
    } finally {
      if (seq === state.seq) { state.job = null; busy(false); }
    }
  }
  function cancel() {
    if (!state.job) return;
    fetch('/api/faithfulness/' + state.job, { method: 'DELETE' }).catch(() => {});
    state.job = null;
  }

  // ---- the result: one chart with four curves, and a table of the areas ----
  const COLOURS = { deletion: '#c0392b', insertion: '#2457c5' };
  function show(r) {
    const box = $('faithfulness-result');
    box.textContent = '';
    const legend = document.createElement('p');
    legend.className = 'help';
    legend.textContent = 'Red: deletion, blue: insertion; solid: this map, dashed: a random map.';
    box.append(chart(r), legend, table(r));
  }
  function chart(r) {
    const w = 420; const h = 260; const left = 44; const bottom = 36; const top = 10; const right = 10;
    const sx = (x) => left + x * (w - left - right);
    const sy = (y) => top + (1 - y) * (h - top - bottom);
    const svg = document.createElementNS(svgNs, 'svg');
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Deletion and insertion curves of the map and of a random map');
    const el = (name, attrs, text) => {
      const e = document.createElementNS(svgNs, name);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
      if (text !== undefined) e.textContent = text;
      svg.append(e);
      return e;
    };
    el('rect', { x: left, y: top, width: w - left - right, height: h - top - bottom, fill: 'none', stroke: '#999' });
    for (const t of [0, 0.5, 1]) {
      el('text', { x: sx(t), y: h - bottom + 14, 'text-anchor': 'middle', 'font-size': 11 }, String(t));
      el('text', { x: left - 6, y: sy(t) + 4, 'text-anchor': 'end', 'font-size': 11 }, String(t));
    }
    el('text', { x: (left + w - right) / 2, y: h - 4, 'text-anchor': 'middle', 'font-size': 11 },
      'fraction of pixels deleted / inserted');
    el('text', { x: 12, y: (top + h - bottom) / 2, 'font-size': 11, 'text-anchor': 'middle',
      transform: `rotate(-90 12 ${(top + h - bottom) / 2})` }, 'class probability');
    for (const metric of ['deletion', 'insertion']) {
      for (const which of ['map', 'random']) {
        const c = r[which][metric].curves[0];
        const points = c.x.map((x, i) => `${sx(x).toFixed(1)},${sy(c.y[i]).toFixed(1)}`).join(' ');
        const line = el('polyline', { points, fill: 'none', stroke: COLOURS[metric], 'stroke-width': which === 'map' ? 2 : 1.5 });
        line.dataset.curve = `${metric}-${which}`;
        if (which === 'random') line.setAttribute('stroke-dasharray', '5 4');
      }
    }
    return svg;
  }
  function table(r) {
    const t = document.createElement('table');
    const head = t.createTHead().insertRow();
    for (const text of ['', 'this map', 'random map', '']) {
      const th = document.createElement('th'); th.textContent = text; head.append(th);
    }
    const body = t.createTBody();
    for (const metric of ['deletion', 'insertion']) {
      const higher = r.metrics.find((m) => m.name === metric).scores[0].higherIsBetter;
      const mine = r.map[metric].scores.auc;
      const random = r.random[metric].scores.auc;
      const better = higher ? mine > random : mine < random;
      const row = body.insertRow();
      row.dataset.metric = metric;
      row.insertCell().textContent = `${metric} AUC (${higher ? 'higher' : 'lower'} is better)`;
      row.insertCell().textContent = mine.toFixed(3);
      row.insertCell().textContent = random.toFixed(3);
      const verdict = row.insertCell();
      verdict.className = better ? 'better' : 'worse';
      verdict.textContent = better ? 'better than random' : 'no better than random';
    }
    return t;
  }

  $('faithfulness-run').addEventListener('click', measure);
  $('faithfulness-cancel').addEventListener('click', () => { state.seq++; cancel(); busy(false); status('Cancelled.'); });
})();
