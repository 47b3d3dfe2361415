'use strict';
// The API docs page: a table written from the server's generated OpenAPI document.
(async () => {
  const doc = await (await fetch('/openapi.json')).json();
  document.getElementById('about').textContent = doc.info.description;
  const rows = document.getElementById('routes');
  const cell = (tr, content) => {
    const td = document.createElement('td');
    if (content instanceof Node) td.append(content); else td.textContent = content;
    tr.append(td);
  };
  const code = (text) => { const c = document.createElement('code'); c.textContent = text; return c; };
  const schema = (s) => [s.enum ? s.enum.join('|') : s.type,
    s.minimum !== undefined ? `${s.exclusiveMinimum ? '>' : '≥'} ${s.minimum}` : '',
    s.maximum !== undefined ? `≤ ${s.maximum}` : '', s.default !== undefined ? `default ${s.default}` : '']
    .filter((x) => x).join(', ');
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [verb, op] of Object.entries(operations)) {
      const tr = document.createElement('tr');
      tr.dataset.route = verb.toUpperCase() + ' ' + path;
      cell(tr, code(verb.toUpperCase()));
      cell(tr, code(path));
      cell(tr, op.summary + (op.requestBody ? ' (photo upload: ' + op.requestBody.description + ')' : ''));
      const list = document.createElement('ul');
      for (const p of op.parameters || []) {
        const li = document.createElement('li');
        li.append(code(p.name), ` (${p.in}; ${schema(p.schema)}) ${p.description}`);
        list.append(li);
      }
      cell(tr, list);
      cell(tr, Object.entries(op.responses).map(([status, r]) => `${status}: ${r.description}`).join('; '));
      rows.append(tr);
    }
  }
})();
