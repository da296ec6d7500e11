import { html, type Html } from './html.ts';

export const BASE = '/classic';
export const CSRF_FIELD = '_csrf';

export type Tab = 'home' | 'system' | 'maintenance';

export interface Notice {
  kind: 'success' | 'error' | 'info';
  text: string;
}

export interface PageOptions {
  title: string;
  deviceName: string;
  /** Set when someone is logged in: shows the log-out button. */
  csrfToken?: string;
  /** The current tab; without it (login, forced password change) there are no tabs. */
  tab?: Tab;
  /** Side menu of the tab (System and Maintenance sections). */
  sections?: Array<{ href: string; label: string; current: boolean }>;
  notice?: Notice | null;
  body: Html;
}

const TABS: Array<{ id: Tab; label: string; href: string }> = [
  { id: 'home', label: 'Home', href: `${BASE}/` },
  { id: 'system', label: 'System', href: `${BASE}/system` },
  { id: 'maintenance', label: 'Maintenance', href: `${BASE}/maintenance` },
];

export function csrfInput(token: string): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}" />`;
}

export function noticeBox(notice: Notice | null | undefined): Html {
  if (!notice) return html``;
  return html`<p
    class="notice ${notice.kind}"
    role="${notice.kind === 'error' ? 'alert' : 'status'}"
  >
    ${notice.text}
  </p>`;
}

/** The page frame: title bar with the device name, tabs, the tab's sections, the content. */
export function page(options: PageOptions): Html {
  const loggedIn = options.csrfToken !== undefined;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} – ${options.deviceName}</title>
        <link rel="stylesheet" href="${BASE}/classic.css" />
      </head>
      <body>
        <header class="top">
          <span class="brand">2N<sup>®</sup> ${options.deviceName}</span>
          ${
            loggedIn
              ? html`<form method="post" action="${BASE}/logout" class="logout">
                  ${csrfInput(options.csrfToken!)}
                  <button type="submit">Log out</button>
                </form>`
              : ''
          }
        </header>
        ${
          loggedIn && options.tab
            ? html`<nav class="tabs" aria-label="Tabs">
                <ul>
                  ${TABS.map(
                    (tab) =>
                      html`<li>
                        <a
                          href="${tab.href}"
                          ${tab.id === options.tab ? html`aria-current="page"` : ''}
                          >${tab.label}</a
                        >
                      </li>`,
                  )}
                </ul>
              </nav>`
            : ''
        }
        <div class="frame">
          ${
            options.sections
              ? html`<nav class="sections" aria-label="Sections">
                  <ul>
                    ${options.sections.map(
                      (section) =>
                        html`<li>
                          <a
                            href="${section.href}"
                            ${section.current ? html`aria-current="page"` : ''}
                            >${section.label}</a
                          >
                        </li>`,
                    )}
                  </ul>
                </nav>`
              : ''
          }
          <main>${noticeBox(options.notice)} ${options.body}</main>
        </div>
      </body>
    </html>`;
}

export interface FieldOptions {
  id: string;
  name: string;
  label: string;
  type?: string;
  value?: string;
  error?: string | undefined;
  hint?: string;
  autocomplete?: string;
  required?: boolean;
  extra?: Html;
}

/** A labelled input with its hint and, when the input was refused, the message next to it. */
export function field(options: FieldOptions): Html {
  const describedBy = [
    options.hint ? `${options.id}-hint` : '',
    options.error ? `${options.id}-error` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return html`<div class="field${options.error ? ' invalid' : ''}">
    <label for="${options.id}">${options.label}</label>
    <input
      id="${options.id}"
      name="${options.name}"
      type="${options.type ?? 'text'}"
      ${options.type === 'file' ? '' : html`value="${options.value ?? ''}"`}
      ${options.autocomplete ? html`autocomplete="${options.autocomplete}"` : ''}
      ${options.required ? html`required` : ''}
      ${describedBy ? html`aria-describedby="${describedBy}"` : ''}
      ${options.error ? html`aria-invalid="true"` : ''}
      ${options.extra ?? ''}
    />
    ${options.hint ? html`<p class="hint" id="${options.id}-hint">${options.hint}</p>` : ''}
    ${options.error ? html`<p class="error" id="${options.id}-error">${options.error}</p>` : ''}
  </div>`;
}

/** A description list of read-only values (status pages). */
export function facts(rows: Array<[string, unknown]>): Html {
  return html`<dl class="facts">
    ${rows.map(
      ([term, value]) =>
        html`<dt>${term}</dt>
          <dd>${value}</dd>`,
    )}
  </dl>`;
}

export const STYLESHEET = `
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: #222; background: #eef0f2; }
.top { display: flex; justify-content: space-between; align-items: center; background: #1d2b36; color: #fff; padding: .6rem 1.2rem; }
.brand { font-weight: 600; letter-spacing: .02em; }
.logout button { background: transparent; color: #fff; border: 1px solid #fff8; }
.tabs ul, .sections ul { list-style: none; margin: 0; padding: 0; }
.tabs { background: #2f4352; }
.tabs ul { display: flex; }
.tabs a { display: block; color: #dfe6ea; padding: .6rem 1.2rem; text-decoration: none; }
.tabs a[aria-current] { background: #eef0f2; color: #1d2b36; font-weight: 600; }
.frame { display: flex; gap: 1.5rem; padding: 1.2rem; max-width: 70rem; }
.sections { min-width: 12rem; }
.sections a { display: block; padding: .4rem .6rem; color: #1d2b36; text-decoration: none; border-left: 3px solid transparent; }
.sections a[aria-current] { border-left-color: #e07b00; font-weight: 600; background: #fff; }
main { flex: 1; background: #fff; padding: 1rem 1.4rem; border-radius: 4px; min-width: 0; }
h1 { font-size: 1.35rem; margin-top: 0; }
h2 { font-size: 1.1rem; border-bottom: 1px solid #dde; padding-bottom: .2rem; margin-top: 1.6rem; }
.field { margin: .7rem 0; }
.field label { display: block; font-weight: 600; margin-bottom: .2rem; }
.field input[type=text], .field input[type=password], .field input[type=file], .field input:not([type]) { width: 100%; max-width: 24rem; padding: .35rem; }
.hint { color: #555; font-size: .9em; margin: .2rem 0; }
.error { color: #b00020; font-weight: 600; margin: .2rem 0; }
.invalid input { border: 2px solid #b00020; }
.notice { padding: .6rem .8rem; border-radius: 4px; }
.notice.success { background: #e3f5e1; border: 1px solid #7bbf72; }
.notice.error { background: #fde8ea; border: 1px solid #d27783; }
.notice.info { background: #e7f0fa; border: 1px solid #8bb0d6; }
button { font: inherit; padding: .4rem 1rem; cursor: pointer; border-radius: 3px; border: 1px solid #8895a0; background: #f5f7f8; }
button.primary { background: #e07b00; border-color: #c06a00; color: #fff; }
button.danger { background: #b00020; border-color: #8a0019; color: #fff; }
.actions { display: flex; gap: .6rem; align-items: center; margin-top: .8rem; }
.actions form { margin: 0; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1.2rem; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
.code { font: 1.3rem/1.2 ui-monospace, monospace; letter-spacing: .05em; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #dde; }
fieldset { border: 1px solid #dde; margin: .7rem 0; }
.check { display: flex; gap: .4rem; align-items: center; margin: .4rem 0; }
.login { max-width: 26rem; margin: 3rem auto; }
`;
