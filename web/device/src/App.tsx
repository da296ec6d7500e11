import { useCallback, useEffect, useState, type MouseEvent, type ReactNode } from 'react';
import { api, setCsrfToken, setLoggedOutHandler, type Session } from './api.ts';
import { ApiAccounts } from './ApiAccounts.tsx';
import { Dashboard } from './Dashboard.tsx';
import { Directory } from './Directory.tsx';
import { FrontPanel } from './FrontPanel.tsx';
import { ChoosePassword, Login } from './Login.tsx';
import { Maintenance } from './Maintenance.tsx';
import { My2N } from './My2N.tsx';
import { Switches } from './Switches.tsx';

/** The menu as the vendor's new interface has it: sections with their pages. */
const MENU: Array<{ label: string; items: Array<{ label: string; href: string }> }> = [
  { label: 'Status', items: [{ label: 'Dashboard', href: '#/' }] },
  { label: 'Directory', items: [{ label: 'Users', href: '#/directory' }] },
  {
    label: 'Hardware',
    items: [
      { label: 'Switches', href: '#/hardware/switches' },
      { label: 'Front panel', href: '#/hardware/front-panel' },
    ],
  },
  { label: 'Services', items: [{ label: 'HTTP API', href: '#/services/http-api' }] },
  {
    label: 'Integration',
    items: [{ label: 'Autoprovisioning', href: '#/integration/autoprovisioning' }],
  },
  { label: 'System', items: [{ label: 'Maintenance', href: '#/system/maintenance' }] },
];

function currentRoute(): string {
  const route = window.location.hash.replace(/^#/, '') || '/';
  return route === '/integration/autoprovisioning' ? '/integration/autoprovisioning/my2n' : route;
}

function useRoute(): string {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

function sectionOf(route: string): string | undefined {
  return MENU.find((section) =>
    section.items.some((item) => route.startsWith(item.href.slice(1)) && item.href !== '#/'),
  )?.label;
}

type State =
  | { kind: 'loading' }
  | { kind: 'login'; message: string }
  | { kind: 'in'; session: Session; loginPassword: string | null };

export function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const route = useRoute();

  const loggedOut = useCallback((message: string) => setState({ kind: 'login', message }), []);

  useEffect(() => {
    setLoggedOutHandler(loggedOut);
    api<Session>('GET', 'session')
      .then((session) => {
        setCsrfToken(session.csrfToken);
        setState({ kind: 'in', session, loginPassword: null });
      })
      .catch(() => setState({ kind: 'login', message: '' }));
  }, [loggedOut]);

  if (state.kind === 'loading') {
    return (
      <main className="auth">
        <p role="status">Loading…</p>
      </main>
    );
  }
  if (state.kind === 'login') {
    return (
      <Login
        message={state.message}
        onLoggedIn={(session, password) =>
          setState({ kind: 'in', session, loginPassword: password })
        }
      />
    );
  }
  const logout = async () => {
    try {
      await api('POST', 'logout');
    } finally {
      loggedOut('You are logged out.');
    }
  };
  if (state.session.mustChangePassword) {
    return (
      <ChoosePassword
        loginPassword={state.loginPassword}
        onChanged={() =>
          setState({
            kind: 'in',
            session: { ...state.session, mustChangePassword: false },
            loginPassword: null,
          })
        }
        onLogout={logout}
      />
    );
  }

  let page: ReactNode;
  if (route === '/') page = <Dashboard />;
  else if (route === '/integration/autoprovisioning/my2n') page = <My2N />;
  else if (route === '/system/maintenance') page = <Maintenance onLoggedOut={loggedOut} />;
  else if (route === '/directory') page = <Directory />;
  else if (route === '/hardware/switches') page = <Switches />;
  else if (route === '/hardware/front-panel') page = <FrontPanel />;
  else if (route === '/services/http-api') page = <ApiAccounts />;
  else
    page = (
      <section className="page">
        <h1>Page not found</h1>
        <p>
          There is no page here; go to the <a href="#/">dashboard</a>.
        </p>
      </section>
    );

  return (
    <Shell route={route} onLogout={logout}>
      {page}
    </Shell>
  );
}

/** The skip link must not change the hash: the hash is the route. */
function skipToContent(event: MouseEvent) {
  event.preventDefault();
  document.getElementById('content')?.focus();
}

function Shell(props: { route: string; onLogout: () => void; children: ReactNode }) {
  const [menuOpen, setMenuOpen] = useState(false);
  const active = sectionOf(props.route);
  const [expanded, setExpanded] = useState<string | undefined>(active);
  useEffect(() => {
    setExpanded(sectionOf(props.route));
    setMenuOpen(false);
  }, [props.route]);
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setMenuOpen(false);
        document.querySelector<HTMLButtonElement>('.menu-button')?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [menuOpen]);

  return (
    <div className="shell">
      <a className="skip-link" href="#content" onClick={skipToContent}>
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" href="#/">
          2N IP intercom
        </a>
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="main-menu"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <button type="button" className="logout" onClick={props.onLogout}>
          Log out
        </button>
      </header>
      <nav id="main-menu" aria-label="Main menu" className={menuOpen ? 'menu open' : 'menu'}>
        <ul>
          {MENU.map((section) =>
            section.label === 'Status' ? (
              <li key={section.label}>
                <a href="#/" aria-current={props.route === '/' ? 'page' : undefined}>
                  Dashboard
                </a>
              </li>
            ) : (
              <li key={section.label}>
                <button
                  type="button"
                  aria-expanded={expanded === section.label}
                  aria-controls={`menu-${section.label}`}
                  className={active === section.label ? 'section active' : 'section'}
                  onClick={() =>
                    setExpanded(expanded === section.label ? undefined : section.label)
                  }
                >
                  {section.label}
                </button>
                <ul id={`menu-${section.label}`} hidden={expanded !== section.label}>
                  {section.items.map((item) => (
                    <li key={item.href}>
                      <a
                        href={item.href}
                        aria-current={
                          props.route.startsWith(item.href.slice(1)) ? 'page' : undefined
                        }
                      >
                        {item.label}
                      </a>
                    </li>
                  ))}
                </ul>
              </li>
            ),
          )}
        </ul>
      </nav>
      <main className="content" id="content" tabIndex={-1}>
        {props.children}
      </main>
    </div>
  );
}
