/**
 * The report's thumbnail grid, run in the browser (html-report.ts embeds the
 * compiled file inline and allows it by its CSP hash). A classic script, not
 * a module: no import or export, everything inside one function. Checked and
 * compiled by tsconfig.client.json, with the DOM types and without Node's.
 *
 * It builds the grid from the `#gradcam-data` JSON in chunks, with filters
 * and sorting kept in the URL hash (the format is in html-report.ts), and
 * makes the tiles with DOM methods (textContent, setAttribute), so data never
 * passes through an HTML parser on this side either.
 */
(function () {
  /** One entry of the embedded JSON, fields in html-report.ts's REPORT_ENTRY_COLUMNS order. */
  type EntryRow = [
    index: number,
    source: string,
    output: string,
    predicted: number,
    probability: number,
    label: number | null,
    top: number[],
    explained: number | null,
    notes: string[] | null,
  ];
  interface ReportData {
    classNames: string[] | null;
    entries: EntryRow[];
  }
  interface Entry {
    index: number;
    source: string;
    output: string;
    predicted: number;
    probability: number;
    label: number | null;
    /** Class, probability, class, probability, … */
    top: number[];
    /** The class the heatmap explains when it is not the predicted one, else null. */
    explained: number | null;
    /** What the user should know ("used frame 1 of 3", "low confidence (43%)"), else null. */
    notes: string[] | null;
  }
  type SortOrder = 'input' | 'confidence-asc' | 'confidence-desc';
  /** What the grid shows; `pred` and `truth` are class indices as text, '' for any, `truth` 'none' for unlabelled. */
  interface ViewState {
    pred: string;
    truth: string;
    misclassified: boolean;
    sort: SortOrder;
    q: string;
  }

  const CHUNK = 400;

  function byId<T extends HTMLElement>(id: string, type: new () => T): T {
    const element = document.getElementById(id);
    if (!(element instanceof type)) throw new Error(`gradcam report: no ${type.name} #${id}`);
    return element;
  }

  const data = JSON.parse(byId('gradcam-data', HTMLScriptElement).textContent ?? '') as ReportData;
  const entries = data.entries.map(
    (e): Entry => ({ index: e[0], source: e[1], output: e[2], predicted: e[3], probability: e[4], label: e[5], top: e[6], explained: e[7], notes: e[8] ?? null }),
  );
  const form = byId('controls', HTMLFormElement);
  const grid = byId('grid', HTMLUListElement);
  const status = byId('status', HTMLParagraphElement);

  function control<T extends Element>(name: string, type: new () => T): T {
    const element = form.elements.namedItem(name);
    if (!(element instanceof type)) throw new Error(`gradcam report: no ${type.name} "${name}" in the controls`);
    return element;
  }

  const fields = {
    pred: control('pred', HTMLSelectElement),
    truth: control('true', HTMLSelectElement),
    misclassified: control('misclassified', HTMLInputElement),
    sort: control('sort', HTMLSelectElement),
    q: control('q', HTMLInputElement),
  };
  let generation = 0;

  function name(c: number): string {
    const className = data.classNames?.[c];
    return className != null ? String(className) : String(c);
  }
  function thousands(n: number): string {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }
  function pct(p: number): string {
    const s = (p * 100).toFixed(1);
    return (s === '100.0' && p < 1 ? '>99.9' : s) + '%';
  }
  function wrong(e: Entry): boolean {
    return e.label !== null && e.label !== e.predicted;
  }
  function href(p: string): string {
    return p.split('/').map(encodeURIComponent).join('/');
  }
  function sortOrder(value: string | null): SortOrder {
    return value === 'confidence-asc' || value === 'confidence-desc' ? value : 'input';
  }

  function fillClassSelect(select: HTMLSelectElement, key: 'predicted' | 'label', withNone: boolean): void {
    const counts = new Map<number, number>();
    let none = 0;
    for (const e of entries) {
      const c = e[key];
      if (c === null) none++;
      else counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    for (const [c, count] of [...counts].sort(([a], [b]) => a - b)) {
      select.add(new Option(name(c) + ' (' + thousands(count) + ')', String(c)));
    }
    if (withNone && none > 0) select.add(new Option('unlabelled (' + thousands(none) + ')', 'none'));
  }

  function readHash(): ViewState {
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    return {
      pred: params.get('pred') || '',
      truth: params.get('true') || '',
      misclassified: params.has('misclassified') || params.has('wrong'),
      sort: sortOrder(params.get('sort')),
      q: params.get('q') || '',
    };
  }

  function hashOf(state: ViewState): string {
    const parts: string[] = [];
    if (state.misclassified) parts.push('misclassified');
    if (state.pred !== '') parts.push('pred=' + encodeURIComponent(state.pred));
    if (state.truth !== '') parts.push('true=' + encodeURIComponent(state.truth));
    if (state.sort !== 'input') parts.push('sort=' + state.sort);
    if (state.q !== '') parts.push('q=' + encodeURIComponent(state.q));
    return parts.join('&');
  }

  function formState(): ViewState {
    return {
      pred: fields.pred.value,
      truth: fields.truth.value,
      misclassified: fields.misclassified.checked,
      sort: sortOrder(fields.sort.value),
      q: fields.q.value,
    };
  }

  function showState(state: ViewState): void {
    // A class in the hash that no entry has still filters (to nothing): add it so the select can show it.
    for (const [select, value] of [
      [fields.pred, state.pred],
      [fields.truth, state.truth],
    ] as const) {
      if (value !== '' && !Array.from(select.options).some((o) => o.value === value)) {
        select.add(new Option(value === 'none' ? 'unlabelled (0)' : name(Number(value)) + ' (0)', value));
      }
      select.value = value;
    }
    fields.misclassified.checked = state.misclassified;
    fields.sort.value = state.sort;
    fields.q.value = state.q;
  }

  function selectEntries(state: ViewState): Entry[] {
    const q = state.q.toLowerCase();
    const shown = entries.filter((e) => {
      if (state.misclassified && !wrong(e)) return false;
      if (state.pred !== '' && String(e.predicted) !== state.pred) return false;
      if (state.truth === 'none' ? e.label !== null : state.truth !== '' && String(e.label) !== state.truth) return false;
      if (q !== '' && e.source.toLowerCase().indexOf(q) < 0) return false;
      return true;
    });
    if (state.sort !== 'input') {
      const sign = state.sort === 'confidence-asc' ? 1 : -1;
      shown.sort((a, b) => sign * (a.probability - b.probability) || a.index - b.index);
    }
    return shown;
  }

  function tile(e: Entry): HTMLLIElement {
    const li = document.createElement('li');
    li.className = 'tile' + (wrong(e) ? ' misclassified' : '');
    li.setAttribute('data-index', String(e.index));
    let tip = '#' + e.index + ' ' + e.source + '\npredicted ' + name(e.predicted) + ' (' + pct(e.probability) + ')';
    if (e.label !== null) tip += '\ntrue ' + name(e.label);
    if (e.explained !== null) tip += '\nheatmap explains class ' + name(e.explained);
    if (e.top.length > 2) {
      const top: string[] = [];
      for (let i = 0; i + 1 < e.top.length; i += 2) top.push(name(e.top[i] as number) + ' ' + pct(e.top[i + 1] as number));
      tip += '\ntop: ' + top.join(', ');
    }
    if (e.notes !== null) tip += '\n' + e.notes.join('\n');
    li.title = tip;
    const a = document.createElement('a');
    const img = document.createElement('img');
    // loading before src: an image element fetches as soon as it has a src, attached or not, unless lazy by then.
    img.loading = 'lazy';
    img.decoding = 'async';
    img.alt = 'predicted ' + name(e.predicted);
    img.onerror = () => li.classList.add('missing');
    if (e.output) {
      a.href = href(e.output);
      img.src = href(e.output);
    }
    a.appendChild(img);
    li.appendChild(a);
    const caption = document.createElement('span');
    caption.className = 'caption';
    const pred = document.createElement('span');
    pred.className = 'pred';
    pred.textContent = name(e.predicted);
    const prob = document.createElement('span');
    prob.className = 'prob';
    prob.textContent = ' ' + pct(e.probability);
    caption.appendChild(pred);
    caption.appendChild(prob);
    li.appendChild(caption);
    const truth = document.createElement('span');
    truth.className = 'truth';
    truth.textContent = e.label === null ? 'no label' : wrong(e) ? '\u2717 true ' + name(e.label) : '\u2713 correct';
    li.appendChild(truth);
    const source = document.createElement('span');
    source.className = 'index';
    source.textContent = e.source;
    li.appendChild(source);
    if (e.notes !== null) {
      const note = document.createElement('span');
      note.className = 'note';
      note.textContent = '\u26a0 ' + e.notes.join('; ');
      li.appendChild(note);
    }
    return li;
  }

  function render(state: ViewState): void {
    const run = ++generation;
    const shown = selectEntries(state);
    document.body.setAttribute('data-state', 'rendering');
    grid.textContent = '';
    grid.setAttribute('data-shown', String(shown.length));
    grid.setAttribute('data-total', String(entries.length));
    const words: string[] = [];
    if (state.misclassified) words.push('misclassified');
    if (state.pred !== '') words.push('predicted ' + (state.pred === 'none' ? '-' : name(Number(state.pred))));
    if (state.truth !== '') words.push(state.truth === 'none' ? 'unlabelled' : 'true ' + name(Number(state.truth)));
    if (state.q !== '') words.push('input contains "' + state.q + '"');
    if (state.sort !== 'input') words.push(state.sort === 'confidence-asc' ? 'least confident first' : 'most confident first');
    status.textContent =
      'Showing ' + thousands(shown.length) + ' of ' + thousands(entries.length) + (words.length ? ' \u00b7 ' + words.join(' \u00b7 ') : '');
    let next = 0;
    (function chunk() {
      if (run !== generation) return;
      const fragment = document.createDocumentFragment();
      const end = Math.min(shown.length, next + CHUNK);
      for (const e of shown.slice(next, end)) fragment.appendChild(tile(e));
      next = end;
      grid.appendChild(fragment);
      if (next < shown.length) setTimeout(chunk, 0);
      else document.body.setAttribute('data-state', 'ready');
    })();
  }

  let rendered: string | null = null;

  function fromHash(): void {
    const state = readHash();
    if (rendered !== null && hashOf(state) === rendered) return; // our own hash update
    showState(state);
    rendered = hashOf(state);
    render(state);
  }

  function fromForm(): void {
    const state = formState();
    const hash = hashOf(state);
    rendered = hash;
    if (location.hash.replace(/^#/, '') !== hash) {
      try {
        history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search);
      } catch {
        location.hash = hash; // some browsers refuse replaceState on file: pages; hashchange is then ignored above
      }
    }
    render(state);
  }

  fillClassSelect(fields.pred, 'predicted', false);
  fillClassSelect(fields.truth, 'label', true);
  form.addEventListener('change', fromForm);
  form.addEventListener('input', (event) => {
    if (event.target === fields.q) fromForm();
  });
  form.addEventListener('reset', () => setTimeout(fromForm, 0));
  form.addEventListener('submit', (event) => event.preventDefault());
  window.addEventListener('hashchange', fromHash);
  fromHash();
})();
