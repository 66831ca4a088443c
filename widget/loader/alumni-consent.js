// The module a page includes (`<script type="module" src=".../alumni-consent.js" data-endpoint data-site data-cta>`).
//
// Hand-written, without a framework and without WebAssembly, because of its size: this file and the site's config
// are all a page loads before its CTA works (issue 17: ≤ 15 KB gzip, ≤ 20 ms), and the form — the Leptos widget in
// WebAssembly, `alumni-consent-form.js` + `alumni-consent_bg.wasm`, ≈ 80 KB — comes only when someone may want it:
// a pointer over a CTA, focus on it, a touch or a click, or at idle for a browser that already keeps a record here
// (it has a summary to show). A click that comes before the form is replayed by the form, which opens the dialog.
//
// What it does, in order: finds the page's script tags whose `src` is this module's own address (`import.meta.url`:
// page markup cannot fake it; `document.currentScript` is `null` in a module), asks for each config at once,
// gives each mount point an open shadow root with the stylesheet, and draws each CTA button there with its label.
// Where the answers go comes only from the webmaster's script tags (issue 12): a `[data-alumni-consent]` element —
// markup that a comment sanitiser keeps — chooses its CTA and language, nothing else.
//
// The stylesheet's slot below is filled with `widget/src/widget.css` when the bundle is built (`xtask/src/widget.rs`).

// Where the widget's time starts, for the page's own measurements (and `cargo xtask bench`).
performance.mark('alumni-consent:start');
const CSS = __CSS__;
const MOUNTED = 'data-alumni-consent-mounted';
// The registry the form takes each config answer from (`widget/src/api.rs`, `PREFETCH`): a Map from address to a
// promise of `[status, text]`, or of `null` when the request failed (the form then asks again).
const configs = (globalThis[Symbol.for('alumni-consent.config')] ??= new Map());
const own = import.meta.url.split('#')[0];
const widgets = [];
let sheet, loading, form;

const attr = (element, name) => element.getAttribute(name)?.trim() || undefined;

// A constructable stylesheet, shared by every shadow root: a page's `style-src` needs no 'unsafe-inline'.
function adopt(shadow) {
  try {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    shadow.adoptedStyleSheets = [sheet];
  } catch {
    const style = document.createElement('style');
    style.textContent = CSS;
    shadow.append(style);
  }
}

// The config's address as the form builds it (`widget/src/api.rs`, `config_url`): `data-config` as written, else
// `data-endpoint` without trailing `/` + `/v1/sites/{site}/config`.
function address(settings) {
  if (settings.config) return settings.config;
  if (!settings.endpoint) return '';
  return settings.endpoint.replace(/\/+$/, '') + '/v1/sites/' + encodeURIComponent(settings.site) + '/config';
}

function fetchConfig(url) {
  if (!configs.has(url)) {
    // Fetch's defaults, so that a page's `<link rel="preload" as="fetch" crossorigin>` of the config is reused (a
    // preload cannot say `credentials: 'omit'`): to the collector, another origin, that still sends no cookie;
    // every request of the form itself omits credentials.
    const answer = fetch(url)
      .then((r) => r.text().then((text) => [r.status, text]))
      .catch(() => null);
    configs.set(url, answer);
  }
  return configs.get(url);
}

// The CTA's label in the widget's locale (`widget/src/components/widget.rs`, `pick_locale`; `Localized::get`):
// `data-lang`, else the page's `lang`, else the site's default; French when a text lacks the locale.
function label(config, settings) {
  const cta = Array.isArray(config.ctas) && config.ctas.find((c) => c && c.id === settings.cta);
  if (!cta || !(settings.endpoint || config.endpoint)) return undefined;
  const locale = settings.lang ? (settings.lang.toLowerCase().startsWith('en') ? 'en' : 'fr') : config.default_locale;
  const text = cta.label;
  return typeof text === 'string' ? text : text && (text[locale] ?? text.fr);
}

function draw(widget, answer) {
  let config;
  try {
    config = answer && answer[0] >= 200 && answer[0] < 300 && JSON.parse(answer[1]);
  } catch {}
  const text = config && label(config, widget.settings);
  // Already handed to the form (it draws its own), or nothing to draw: the form says why.
  if (widget.form) return;
  if (typeof text !== 'string') return load();
  const panel = document.createElement('div');
  panel.className = 'panel';
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'cta';
  button.setAttribute('aria-haspopup', 'dialog');
  button.textContent = text;
  for (const intent of ['pointerenter', 'focus', 'touchstart']) {
    button.addEventListener(intent, load, { once: true, passive: true });
  }
  // Until the form has its own listener (it sets `ready` when it has), a click is kept for it to replay.
  button.addEventListener('click', () => {
    if (!widget.ready) {
      widget.clicked = true;
      load();
    }
  });
  panel.append(button);
  widget.root.append(panel);
}

function mount(host, settings) {
  // The config first: its answer is what the CTA waits for, the shadow root's work overlaps it.
  const url = address(settings);
  const answer = url && fetchConfig(url);
  host.setAttribute(MOUNTED, '');
  host.classList.add('alumni-consent');
  // Open, so that assistive tools and tests (axe-core) see inside.
  const shadow = host.attachShadow({ mode: 'open' });
  adopt(shadow);
  const root = document.createElement('div');
  root.className = 'root';
  shadow.append(root);
  // The hand-over to the form (`widget/src/embed.rs`, `Handoff`).
  const widget = { root, settings, clicked: false, ready: false, form: false };
  widgets.push(widget);
  if (answer) answer.then((answer) => draw(widget, answer));
  else load();
  if (form) handOver();
}

// Every mount point not mounted yet, in page order (the first CTA of a site shows a returning browser's summary).
function scan() {
  const scripts = [...document.querySelectorAll('script[type=module][src]')].filter((t) => t.src.split('#')[0] === own);
  if (!scripts.length) {
    // A redirect (the module's address is then the target's) or an `import()` from another script.
    console.error('alumni-consent: no <script type="module"> of this page has the bundle\'s own address as its src');
    return;
  }
  const page = { cta: 'join', lang: attr(document.documentElement, 'lang'), page: location.origin + location.pathname };
  const fromScript = (script) => ({
    ...page,
    endpoint: attr(script, 'data-endpoint'),
    site: attr(script, 'data-site') || '',
    config: attr(script, 'data-config'),
    cta: attr(script, 'data-cta') || page.cta,
    lang: attr(script, 'data-lang') || page.lang,
  });
  const defaults = fromScript(scripts[0]);
  // A script tag without `data-cta` only gives settings to the `[data-alumni-consent]` elements.
  for (const point of document.querySelectorAll('script[data-cta],[data-alumni-consent]')) {
    if (point.hasAttribute(MOUNTED)) continue;
    if (point.tagName === 'SCRIPT') {
      // Only the bundle's own tags; any other `<script data-cta>` is not ours to read.
      if (!scripts.includes(point)) continue;
      point.setAttribute(MOUNTED, '');
      const host = document.createElement('div');
      point.after(host);
      mount(host, fromScript(point));
    } else {
      mount(point, { ...defaults, cta: attr(point, 'data-cta') || defaults.cta, lang: attr(point, 'data-lang') || defaults.lang });
    }
  }
}

function handOver() {
  for (const widget of widgets) {
    if (!widget.form) {
      widget.form = true;
      form.mount(widget.root, widget.settings, widget);
    }
  }
}

// Imports the form once; the wasm is asked for at the same time as its glue (one round trip, not two).
function load() {
  loading ??= (async () => {
    const wasm = fetch(new URL('alumni-consent_bg.wasm', import.meta.url));
    const module = await import(new URL('alumni-consent-form.js', import.meta.url));
    await module.default({ module_or_path: wasm });
    form = module;
    handOver();
  })().catch((error) => {
    loading = undefined;
    console.error('alumni-consent:', error);
  });
}

scan();
// An `async` module may run before the parser reaches the mount points after its tag.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);
// A browser that already keeps a record here (the form's IndexedDB database) has a summary to show: load at idle.
// Where the list of databases cannot be read, load at idle too rather than hide a summary.
Promise.resolve(globalThis.indexedDB?.databases?.() ?? [{ name: 'alumni-consent' }])
  .then((list) => list.some((db) => db.name === 'alumni-consent') && (globalThis.requestIdleCallback ?? setTimeout)(load))
  .catch(() => {});
