import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, setCsrfToken, setSessionExpiredHandler, type Me } from './api.ts';
import { AccountPage } from './account-page.tsx';
import {
  ForgotPasswordPage,
  LoginPage,
  RegisterPage,
  rememberReturn,
  ResetPasswordPage,
} from './auth-pages.tsx';
import { Bell } from './bell.tsx';
import { navigate, usePath } from './router.ts';
import { SitePage } from './site-page.tsx';
import { SitesPage } from './sites-page.tsx';
import { ToastProvider } from './toasts.tsx';

const PUBLIC = new Set(['/login', '/register', '/forgot-password', '/reset-password']);
/** Pages a signed-in person is sent on from (a reset link works signed in or not). */
const SIGNED_OUT_ONLY = new Set(['/login', '/register', '/forgot-password']);

/**
 * The e-mail of the person signed in in this tab: a 401 then means their session really ended
 * (expired, or closed elsewhere), also after a reload. A first visit never had one, so the
 * sign-in page says nothing about an expired session.
 */
const SIGNED_IN_KEY = 'latchkey.signedIn';

export function App() {
  const path = usePath();
  const [me, setMe] = useState<Me | null | 'loading'>('loading');
  const [activity, setActivity] = useState(0);
  const [news, setNews] = useState(0);
  const meRef = useRef(me);
  meRef.current = me;

  const signedIn = useCallback((next: Me) => {
    setCsrfToken(next.csrfToken);
    window.sessionStorage.setItem(SIGNED_IN_KEY, next.user.email);
    setMe(next);
  }, []);

  useEffect(() => {
    // Any API call that finds the session gone sends the person to sign in, and back after.
    setSessionExpiredHandler(() => {
      const here = window.location.pathname;
      if (PUBLIC.has(here)) return;
      const current = meRef.current;
      const email =
        current && current !== 'loading'
          ? current.user.email
          : (window.sessionStorage.getItem(SIGNED_IN_KEY) ?? undefined);
      window.sessionStorage.removeItem(SIGNED_IN_KEY);
      rememberReturn(here, email !== undefined, email);
      setCsrfToken(null);
      setMe(null);
      navigate('/login', { replace: true });
    });
    api.me().then(signedIn, (error: unknown) => {
      if (!(error instanceof ApiError)) throw error;
      setMe(null);
    });
    return () => setSessionExpiredHandler(null);
  }, [signedIn]);

  useEffect(() => {
    if (me === null && !PUBLIC.has(path)) {
      rememberReturn(path, false);
      navigate('/login', { replace: true });
    }
  }, [me, path]);

  useEffect(() => {
    // Signed in already: the sign-in and register pages lead to the sites.
    if (me !== null && me !== 'loading' && SIGNED_OUT_ONLY.has(path)) {
      navigate('/', { replace: true });
    }
  }, [me, path]);

  useEffect(() => {
    // Each page has its own title (the site page sets the site's name).
    if (path === '/login') document.title = 'Sign in — Latchkey';
    else if (path === '/register') document.title = 'Create an account — Latchkey';
    else if (path === '/forgot-password') document.title = 'Reset your password — Latchkey';
    else if (path === '/reset-password') document.title = 'Choose a new password — Latchkey';
    else if (path === '/') document.title = 'Sites — Latchkey';
  }, [path]);

  async function logout() {
    await api.logout().catch(() => undefined);
    setCsrfToken(null);
    setMe(null);
    window.sessionStorage.clear();
    navigate('/login', { replace: true });
  }

  let page;
  if (me === 'loading') page = <p role="status">Loading…</p>;
  else if (path === '/register') page = <RegisterPage onSignedIn={signedIn} />;
  else if (path === '/forgot-password') page = <ForgotPasswordPage />;
  else if (path === '/reset-password') {
    page = (
      <ResetPasswordPage
        onPasswordReset={() => {
          // The reset ended every session, this browser's too.
          setCsrfToken(null);
          setMe(null);
        }}
      />
    );
  } else if (me === null || path === '/login') page = <LoginPage onSignedIn={signedIn} />;
  else {
    const site = /^\/sites\/([^/]+)$/.exec(path);
    page =
      path === '/account' ? (
        <AccountPage user={me.user} onRenamed={(user) => setMe({ ...me, user })} />
      ) : site ? (
        <SitePage
          key={site[1]}
          siteId={decodeURIComponent(site[1]!)}
          refreshKey={news}
          onActivity={() => setActivity((n) => n + 1)}
        />
      ) : (
        <SitesPage />
      );
  }

  const account = me !== 'loading' && me !== null ? me : null;
  return (
    <ToastProvider>
      <a className="skip" href="#content">
        Skip to content
      </a>
      <header className="top">
        <a
          className="brand"
          href="/"
          onClick={(event) => {
            event.preventDefault();
            navigate('/');
          }}
        >
          Latchkey
        </a>
        {account && (
          <nav aria-label="Account">
            <a
              href="/"
              onClick={(event) => {
                event.preventDefault();
                navigate('/');
              }}
            >
              Sites
            </a>
            <Bell refreshKey={activity} onNews={() => setNews((n) => n + 1)} />
            <a
              href="/account"
              onClick={(event) => {
                event.preventDefault();
                navigate('/account');
              }}
            >
              Account
            </a>
            <span className="muted" title={account.user.email}>
              {account.user.email}
            </span>
            <button type="button" onClick={() => void logout()}>
              Sign out
            </button>
          </nav>
        )}
      </header>
      <div id="content">{page}</div>
    </ToastProvider>
  );
}
