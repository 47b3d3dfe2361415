'use strict';
// Salient page: talks to the JSON API only. Attributions are cached on the server (image sha256 + model +
// method + parameters + class), so class, sensitivity, blend, colour map and opacity changes only re-render.
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { models: [], methods: [], request: [], image: null, top: [], cls: null, photo: null, expl: null,
    job: null, seq: 0, explained: null };

  // ---- API ----
  async function api(path, options) {
    const res = await fetch(path, options);
    const type = res.headers.get('Content-Type') || '';
    if (!res.ok) {
      let message = res.status + ' ' + res.statusText;
      if (type.startsWith('application/json')) {
        try { message = (await res.json()).error || message; } catch (e) { /* keep status */ }
      }
      const err = new Error(message);
      err.status = res.status;
      throw err;
    }
    return type.startsWith('application/json') ? res.json() : res;
  }
  function showError(e) {
    if (!e) { $('error').hidden = true; $('error').textContent = ''; return; }
    $('error').textContent = e.message || String(e);
    $('error').hidden = false;
  }
  function status(text) { $('status-text').textContent = text; }

  // ---- parameters ----
  function explainParams(method) {
    const p = new URLSearchParams();
    p.set('image', state.image.id);
    p.set('model', $('model').value);
    const m = method || $('method').value;
    p.set('method', m);
    p.set('class', String(state.cls));
    // the request's own parameters (head) go with every method; a method's own only with that method
    const own = !method || method === $('method').value;
    document.querySelectorAll('#method-params [data-param]').forEach((el) => {
      const value = el.type === 'checkbox' ? String(el.checked) : el.value;
      if (value !== '' && (own || 'request' in el.dataset)) p.set(el.dataset.param, value);
    });
    return p;
  }
  function renderParams(p) {
    p.set('sensitivity', $('sensitivity').value);
    if ($('overlay').value) p.set('overlay', $('overlay').value);
    if ($('blend').checked) p.set('blend', 'true');
    p.set('opacity', $('opacity').value);
    if ($('colormap').value) p.set('colormap', $('colormap').value);
    if ($('scaling').value) p.set('scaling', $('scaling').value);
    return p;
  }

  // ---- loading ----
  async function init() {
    try {
      const [models, methods, examples] = await Promise.all([api('/api/models'), api('/api/methods'),
        api('/api/examples')]);
      state.models = models.models;
      state.methods = methods.methods;
      state.request = methods.request;
      for (const m of state.models) $('model').append(new Option(m.name, m.name));
      $('model').value = models.default;
      showModelInfo();
      for (const m of state.methods) $('method').append(new Option(m.label, m.name));
      $('method').value = methods.default;
      buildMethodParams();
      buildCompareChoices();
      buildGallery(examples);
    } catch (e) { showError(e); }
  }
  function showModelInfo() {
    const m = state.models.find((x) => x.name === $('model').value);
    if (m) $('model-info').textContent = `${m.name} · input ${m.input.width}×${m.input.height} · ${m.classes} classes`;
  }
  function buildGallery(ex) {
    if (!ex.examples.length) return;
    $('gallery-box').hidden = false;
    for (const e of ex.examples) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.setAttribute('aria-pressed', 'false');
      b.dataset.example = e.name;
      b.title = e.credit ? `${e.name} — ${e.credit}` : e.name;
      const img = document.createElement('img');
      img.src = e.thumbnail; img.alt = 'Example ' + e.name; img.loading = 'lazy';
      b.append(img);
      b.addEventListener('click', () => {
        choosePhoto(api('/api/images?example=' + encodeURIComponent(e.name), { method: 'POST' }), e.name);
      });
      li.append(b);
      $('gallery').append(li);
    }
    const lines = ex.examples.filter((e) => e.credit).map((e) => `${e.name}: ${e.credit}`);
    if (ex.credits) lines.push(ex.credits);
    if (lines.length) { $('credits').textContent = lines.join('\n'); $('credits-box').hidden = false; }
  }
  // one control per described parameter, by its type alone: the page knows no method by name
  function buildMethodParams() {
    const m = state.methods.find((x) => x.name === $('method').value);
    $('method-help').textContent = m ? m.description : '';
    const box = $('method-params');
    box.textContent = '';
    if (!m) return;
    for (const p of state.request) box.append(...control(p, true));
    for (const p of m.params) box.append(...control(p, false));
  }
  function control(p, request) {
    const id = 'param-' + p.name;
    const label = document.createElement('label');
    label.htmlFor = id; label.textContent = p.unit ? `${p.label} (${p.unit})` : p.label;
    let input;
    if (p.type === 'choice' || p.type === 'layer') {
      input = document.createElement('select');
      for (const c of p.choices) input.append(new Option(c, c));
      if (p.type === 'layer') loadLayers(input);
    } else if (p.type === 'flag') {
      input = document.createElement('input');
      input.type = 'checkbox';
      input.checked = p.defaultValue === true;
    } else if (p.type === 'text') {
      input = document.createElement('input');
      input.type = 'text';
    } else {
      input = document.createElement('input');
      input.type = 'number'; input.min = p.min; input.max = p.max;
      input.step = p.type === 'int' ? '1' : 'any';
    }
    input.id = id; input.dataset.param = p.name;
    if (request) input.dataset.request = '';
    if (p.type !== 'layer' && p.type !== 'flag' && p.defaultValue !== null && p.defaultValue !== undefined) {
      input.value = p.defaultValue;
    }
    if (p.help) input.title = p.help;
    input.addEventListener('change', () => explain());
    return [label, input];
  }
  // the spatial layers of the model (cached per model); until they arrive the server uses its default (a CNN's last
  // layer, a ViT's last block's first LayerNorm)
  async function loadLayers(select) {
    const model = $('model').value;
    try {
      state.layers = state.layers || {};
      if (!state.layers[model]) {
        state.layers[model] = await api('/api/models/' + encodeURIComponent(model) + '/layers');
      }
      const r = state.layers[model];
      select.textContent = '';
      for (const l of r.layers) {
        const o = new Option(l.label || l.name, l.name);
        o.title = l.name;
        select.append(o);
      }
      if (r.default) select.value = r.default;
    } catch (e) { showError(e); }
  }
  // preselected: the default method and the first layer map (e.g. the demo's gradient and Grad-CAM)
  function buildCompareChoices() {
    const layerMap = state.methods.find((m) => m.map === 'layer');
    const preferred = [$('method').value, layerMap && layerMap.name];
    state.methods.forEach((m) => {
      const label = document.createElement('label');
      const cb = document.createElement('input');
      cb.type = 'checkbox'; cb.value = m.name;
      cb.checked = preferred.includes(m.name);
      label.append(cb, ' ' + m.label);
      $('compare-methods').append(label);
    });
  }

  // ---- photo and classes ----
  function uploadFile(file) {
    if (!file) return;
    choosePhoto(api('/api/images', { method: 'POST', body: file,
      headers: { 'Content-Type': file.type || 'application/octet-stream' } }), null);
  }
  // example: the gallery photo's name, or null for an upload; a refused photo leaves page and highlight as they were
  async function choosePhoto(uploading, example) {
    showError(null);
    status('Uploading…');
    let chosen = false;
    try {
      const image = await uploading;
      const photo = await loadImage(image.url);
      chosen = true;
      state.image = image;
      state.photo = photo;
      state.explained = null;
      state.expl = null;
      $('compare-grid').textContent = '';
      $('stale').hidden = true;
      $('map-note').hidden = true;
      document.querySelectorAll('#gallery button').forEach((x) =>
        x.setAttribute('aria-pressed', String(x.dataset.example === example)));
      draw();
      await classify();
    } catch (e) {
      showError(e);
      if (!state.image) status('Pick a photo to begin.');
      else status(chosen ? '' : 'That photo was refused; still showing the previous one.');
    }
  }
  async function classify() {
    if (!state.image) return;
    status('Classifying…');
    const p = new URLSearchParams({ image: state.image.id, model: $('model').value, topk: $('topk').value });
    const r = await api('/api/classify?' + p, { method: 'POST' });
    state.top = r.top;
    const box = $('classes');
    box.textContent = '';
    r.top.forEach((c, i) => {
      const label = document.createElement('label');
      const radio = document.createElement('input');
      radio.type = 'radio'; radio.name = 'class'; radio.value = c.index; radio.checked = i === 0;
      radio.addEventListener('change', () => { state.cls = c.index; explain(); });
      const name = document.createElement('span'); name.className = 'name'; name.textContent = c.label;
      const bar = document.createElement('span'); bar.className = 'bar';
      const fill = document.createElement('i'); fill.style.width = (c.probability * 100).toFixed(1) + '%';
      bar.append(fill);
      const pct = document.createElement('span'); pct.className = 'pct';
      pct.textContent = (c.probability * 100).toFixed(1) + ' %';
      label.append(radio, name, bar, pct);
      box.append(label);
    });
    $('classes-box').disabled = false;
    $('compare').disabled = false;
    state.cls = r.top[0].index;
    await explain();
  }

  // ---- explanation: a job (progress, cancel), then a render of the cached attribution ----
  async function explain() {
    if (!state.image || state.cls === null) return;
    showError(null);
    const seq = ++state.seq;
    if (state.job) { cancelJob(state.job); state.job = null; }
    const params = explainParams();
    const key = params.toString();
    try {
      if (state.explained !== key) {
        await runJob(params, seq, $('method').selectedOptions[0].textContent);
        if (seq !== state.seq) return;
        state.explained = key;
      }
      await showExplanation(seq);
    } catch (e) {
      if (seq === state.seq) {
        showError(e);
        status('');
        if (e.cancelled && state.expl) {
          $('stale').textContent = 'Cancelled: the explanation shown is the previous one (' + state.shown
            + '), not what the form now says.';
          $('stale').hidden = false;
        }
      }
    }
  }
  async function runJob(params, seq, label) {
    let job = await api('/api/jobs?' + params, { method: 'POST' });
    state.job = job.id;
    $('cancel').hidden = false;
    $('progress').hidden = false;
    try {
      while (job.state === 'queued' || job.state === 'running') {
        if (seq !== state.seq) return;
        $('progress').max = Math.max(job.total, 1);
        $('progress').value = job.done;
        status(job.state === 'queued' ? `${label}: waiting for a worker…`
          : `${label}: ${job.done} of ${job.total || '?'} done`);
        await new Promise((r) => setTimeout(r, 200));
        job = await api('/api/jobs/' + job.id);
      }
    } finally {
      if (state.job === job.id) state.job = null;
      // a job superseded by a newer one leaves the newer one's progress and Cancel in place
      if (!state.job) {
        $('cancel').hidden = true;
        $('progress').hidden = true;
      }
    }
    if (job.state === 'cancelled' || job.state === 'cancelling') {
      const cancelled = new Error('Cancelled.');
      cancelled.cancelled = true;
      throw cancelled;
    }
    if (job.state === 'failed') throw new Error(job.error);
  }
  function cancelJob(id) {
    fetch('/api/jobs/' + id, { method: 'DELETE' }).catch(() => {});
  }
  // the width the explanation is shown at, in device pixels: the canvas keeps the photo's size and CSS shrinks it to
  // the page (max-width, max-height), so the server need not draw more than this (issue 15: re-renders by a slider)
  function displayWidth() {
    const c = $('canvas');
    const w = state.photo.naturalWidth;
    const h = state.photo.naturalHeight;
    const full = $('layout').value === 'side' ? 2 * w + SIDE_GAP : w;
    const style = getComputedStyle(c);
    const maxHeight = parseFloat(style.maxHeight);
    let scale = Math.min(1, c.parentElement.clientWidth / full);
    if (maxHeight > 0) scale = Math.min(scale, maxHeight / h);
    return Math.max(1, Math.min(w, Math.ceil(w * scale * (window.devicePixelRatio || 1))));
  }
  async function showExplanation(seq) {
    const p = renderParams(explainParams());
    const url = '/api/explain?' + p;
    status('Rendering…');
    const res = await api(url + '&width=' + displayWidth());
    const blob = await res.blob();
    const img = await loadImage(URL.createObjectURL(blob));
    if (seq !== undefined && seq !== state.seq) return;
    if (state.expl && state.expl.src.startsWith('blob:')) URL.revokeObjectURL(state.expl.src);
    state.expl = img;
    draw();
    const cls = state.top.find((c) => c.index === state.cls);
    state.shown = `“${cls ? cls.label : state.cls}” by ${$('method').selectedOptions[0].textContent}`;
    status(`Explanation of ${state.shown}.`);
    $('stale').hidden = true;
    showMapNote();
    document.dispatchEvent(new CustomEvent('salient:explained', { detail: { params: explainParams().toString(),
      label: $('method').selectedOptions[0].textContent, className: cls ? cls.label : String(state.cls) } }));
    const d = $('download');
    d.href = url + '&download=1';
    d.setAttribute('download', `salient-${$('method').value}-${state.cls}.png`);
    d.hidden = false;
  }
  // what the map shows (the method's own summary) and, for a single gradient per pixel, which described methods
  // give a clearer picture: one that averages many gradients, and a layer map; chosen by traits, not by name
  function showMapNote() {
    const m = state.methods.find((x) => x.name === $('method').value);
    if (!m) { $('map-note').hidden = true; return; }
    let note = `What you see: ${m.description}.`;
    if (m.map === 'pixel' && m.passes.repeatedPer === null && m.passes.backward === 1) {
      const averaged = state.methods.find((x) => x.map === 'pixel' && x.passes.backwardEach > 0);
      const layer = state.methods.find((x) => x.map === 'layer');
      const better = [averaged, layer].filter((x) => x).map((x) => x.label);
      note += ' A single gradient per pixel is faithful but noisy: on a quantised model it can look like speckle.';
      if (better.length) note += ` For a clearer picture try ${better.join(' or ')}.`;
    }
    $('map-note').textContent = note;
    $('map-note').hidden = false;
  }
  function loadImage(src) {
    return new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error('cannot load image'));
      img.src = src;
    });
  }

  // ---- the canvas, at full resolution: photo | explanation side by side (the default, the whole subject in
  // both), or the photo left of the wipe and the explanation right of it ----
  const SIDE_GAP = 8;
  function draw() {
    const c = $('canvas');
    const photo = state.photo;
    if (!photo) return;
    const w = photo.naturalWidth;
    const h = photo.naturalHeight;
    const side = $('layout').value === 'side' && state.expl;
    const width = side ? 2 * w + SIDE_GAP : w;
    if (c.width !== width || c.height !== h) {
      c.width = width; c.height = h;
    }
    const g = c.getContext('2d');
    g.clearRect(0, 0, c.width, c.height);
    g.drawImage(photo, 0, 0);
    if (!state.expl) return;
    // the explanation may be drawn smaller than the photo (at the size the page shows it): k of its pixels per photo pixel
    if (side) { g.drawImage(state.expl, w + SIDE_GAP, 0, w, h); return; }
    const k = state.expl.naturalWidth / w;
    const x = Math.round(c.width * $('wipe').value / 100);
    if (x < c.width) {
      g.drawImage(state.expl, x * k, 0, (c.width - x) * k, state.expl.naturalHeight, x, 0, c.width - x, c.height);
    }
    if (x > 0 && x < c.width) {
      g.fillStyle = 'rgba(255,255,255,0.9)';
      g.fillRect(x - 1, 0, 2, c.height);
    }
  }

  // ---- compare ----
  async function compare() {
    if (!state.image) return;
    showError(null);
    const grid = $('compare-grid');
    grid.textContent = '';
    const chosen = [...document.querySelectorAll('#compare-methods input:checked')].map((x) => x.value);
    const seq = state.seq;
    try {
      for (const name of chosen) {
        const label = state.methods.find((m) => m.name === name).label;
        const params = explainParams(name);
        await runJob(params, seq, label);
        const fig = document.createElement('figure');
        const img = document.createElement('img');
        img.src = '/api/explain?' + renderParams(params);
        img.alt = label + ' explanation';
        const cap = document.createElement('figcaption');
        cap.textContent = label;
        fig.append(img, cap);
        grid.append(fig);
      }
      status('Compared ' + chosen.length + ' methods.');
    } catch (e) { showError(e); }
  }

  // ---- wiring ----
  $('file').addEventListener('change', (e) => uploadFile(e.target.files[0]));
  const dz = $('dropzone');
  dz.addEventListener('dragover', (e) => { e.preventDefault(); dz.classList.add('over'); });
  dz.addEventListener('dragleave', () => dz.classList.remove('over'));
  dz.addEventListener('drop', (e) => {
    e.preventDefault(); dz.classList.remove('over');
    uploadFile(e.dataTransfer.files[0]);
  });
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => { e.preventDefault(); uploadFile(e.dataTransfer.files[0]); });
  $('model').addEventListener('change', () => { showModelInfo(); buildMethodParams(); state.explained = null;
    classify().catch(showError); });
  $('topk').addEventListener('change', () => classify().catch(showError));
  $('method').addEventListener('change', () => { buildMethodParams(); explain(); });
  $('sensitivity').addEventListener('input', () => { $('sensitivity-value').textContent = $('sensitivity').value; });
  $('opacity').addEventListener('input', () => { $('opacity-value').textContent = $('opacity').value; });
  for (const id of ['sensitivity', 'blend', 'overlay', 'opacity', 'colormap', 'scaling']) {
    // a running job renders with the current display settings when it finishes
    $(id).addEventListener('change', () => {
      if (state.expl && !state.job) showExplanation(++state.seq).catch(showError);
    });
  }
  $('wipe').addEventListener('input', draw);
  $('layout').addEventListener('change', () => { $('wipe-box').hidden = $('layout').value !== 'wipe'; draw(); });
  $('cancel').addEventListener('click', () => { if (state.job) { cancelJob(state.job); status('Cancelling…'); } });
  $('compare').addEventListener('click', compare);
  init();
})();
