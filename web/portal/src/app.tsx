import { useCallback, useEffect, useRef, useState } from 'react';
import {
  api,
  ApiError,
  membershipsOf,
  setCompanyGoneHandler,
  setCompanyId,
  setCsrfToken,
  setSessionExpiredHandler,
  type Me,
  type Membership,
} from './api.ts';
import { AccountPage } from './account-page.tsx';
import {
  ForgotPasswordPage,
  LoginPage,
  RegisterPage,
  rememberReturn,
  ResetPasswordPage,
} from './auth-pages.tsx';
import { Bell } from './bell.tsx';
import { CompanySwitcher } from './company-switcher.tsx';
import { DevicePage } from './device-page.tsx';
import { DevicesPage } from './devices-page.tsx';
import { InvitationPage, takeInvitationToken } from './invitation-page.tsx';
import { MembersPage } from './members-page.tsx';
import { FirmwarePage } from './firmware-page.tsx';
import { navigate, usePath } from './router.ts';
import { RolloutPage, RolloutsPage } from './rollouts-page.tsx';
import { WebhooksPage } from './webhooks-page.tsx';
import { SitePage } from './site-page.tsx';
import { SitesPage } from './sites-page.tsx';
import { ToastProvider } from './toasts.tsx';
import { TransfersLink } from './transfers-link.tsx';
import { TransfersPage } from './transfers-page.tsx';

/** Pages shown without a session (an invitation link works signed in or not, like a reset). */
const PUBLIC = new Set([
  '/login',
  '/register',
  '/forgot-password',
  '/reset-password',
  '/invitations',
]);
/** Pages a signed-in person is sent on from (a reset link works signed in or not). */
const SIGNED_OUT_ONLY = new Set(['/login', '/register', '/forgot-password']);

/**
 * The e-mail of the person signed in in this tab: a 401 then means their session really ended
 * (expired, or closed elsewhere), also after a reload. A first visit never had one, so the
 * sign-in page says nothing about an expired session.
 */
const SIGNED_IN_KEY = 'latchkey.signedIn';

/** The company chosen last by this person in this browser (localStorage: survives tabs). */
const companyKey = (userId: string) => `latchkey.company.${userId}`;

/** The chosen company if the person is still in it, else their first (oldest) membership. */
function chooseCompany(me: Me, wanted?: string | null): Membership | null {
  const memberships = membershipsOf(me);
  let stored: string | null = null;
  try {
    stored = wanted ?? window.localStorage.getItem(companyKey(me.user.id));
  } catch {
    stored = wanted ?? null;
  }
  return memberships.find((m) => m.companyId === stored) ?? memberships[0] ?? null;
}

function storeCompany(userId: string, companyId: string | null) {
  try {
    if (companyId) window.localStorage.setItem(companyKey(userId), companyId);
    else window.localStorage.removeItem(companyKey(userId));
  } catch {
    // Storage disabled: the choice lasts until the page is reloaded.
  }
}

export function App() {
  // Before anything can navigate: an invitation link's token leaves the address bar at once and
  // is kept for the page (also across signing in), so that no session check can drop it.
  useState(takeInvitationToken);
  const path = usePath();
  const [me, setMe] = useState<Me | null | 'loading'>('loading');
  const [company, setCompany] = useState<Membership | null>(null);
  const [activity, setActivity] = useState(0);
  const [news, setNews] = useState(0);
  const meRef = useRef(me);
  meRef.current = me;

  const signedIn = useCallback((next: Me, wantedCompany?: string | null) => {
    setCsrfToken(next.csrfToken);
    window.sessionStorage.setItem(SIGNED_IN_KEY, next.user.email);
    const chosen = chooseCompany(next, wantedCompany);
    setCompanyId(chosen?.companyId ?? null);
    storeCompany(next.user.id, chosen?.companyId ?? null);
    setCompany(chosen);
    setMe(next);
  }, []);

  /** Memberships changed (joined, left, removed, role changed): read them again. */
  const refreshMe = useCallback(
    (wantedCompany?: string | null) =>
      api.me().then(
        (next) => signedIn(next, wantedCompany),
        (error: unknown) => {
          if (!(error instanceof ApiError)) throw error;
        },
      ),
    [signedIn],
  );

  function switchCompany(companyId: string) {
    if (me === null || me === 'loading') return;
    const chosen = membershipsOf(me).find((m) => m.companyId === companyId) ?? null;
    setCompanyId(chosen?.companyId ?? null);
    storeCompany(me.user.id, chosen?.companyId ?? null);
    setCompany(chosen);
    // A site page is of the company it was opened in: the lists of the new one instead.
    if (path.startsWith('/sites/') || path.startsWith('/devices/')) navigate('/');
  }

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
    // Removed from the current company while the portal was open: its next call says so.
    setCompanyGoneHandler(() => void refreshMe());
    api.me().then(
      (next) => signedIn(next),
      (error: unknown) => {
        if (!(error instanceof ApiError)) throw error;
        setMe(null);
      },
    );
    return () => {
      setSessionExpiredHandler(null);
      setCompanyGoneHandler(null);
    };
  }, [signedIn, refreshMe]);

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
    else if (path === '/members') document.title = 'Members — Latchkey';
    else if (path === '/webhooks') document.title = 'Webhooks — Latchkey';
    else if (path.startsWith('/rollouts')) document.title = 'Firmware rollouts — Latchkey';
    else if (path === '/firmware') document.title = 'Firmware — Latchkey';
    else if (path === '/invitations') document.title = 'Invitation — Latchkey';
  }, [path]);

  async function logout() {
    await api.logout().catch(() => undefined);
    setCsrfToken(null);
    setCompanyId(null);
    setCompany(null);
    setMe(null);
    window.sessionStorage.clear();
    navigate('/login', { replace: true });
  }

  const isAdmin = company?.role === 'admin';
  // Switching the company mounts the pages again, so that each loads the lists of the new one.
  const companyKeyed = company?.companyId ?? 'none';
  let page;
  if (me === 'loading') page = <p role="status">Loading…</p>;
  else if (path === '/invitations') {
    page = (
      <InvitationPage
        me={me}
        onJoined={(joined) =>
          void refreshMe(joined.companyId).then(() => navigate('/', { replace: true }))
        }
      />
    );
  } else if (path === '/register') page = <RegisterPage onSignedIn={signedIn} />;
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
    const device = /^\/devices\/([^/]+)$/.exec(path);
    const rollout = /^\/rollouts\/([^/]+)$/.exec(path);
    page =
      path === '/account' ? (
        <AccountPage user={me.user} onRenamed={(user) => setMe({ ...me, user })} />
      ) : site ? (
        <SitePage
          key={site[1]}
          siteId={decodeURIComponent(site[1]!)}
          memberships={membershipsOf(me)}
          refreshKey={news}
          onActivity={() => setActivity((n) => n + 1)}
        />
      ) : device ? (
        <DevicePage key={device[1]} serialNumber={decodeURIComponent(device[1]!)} />
      ) : rollout ? (
        <RolloutPage key={rollout[1]} rolloutId={decodeURIComponent(rollout[1]!)} />
      ) : company === null ? (
        <NoCompany />
      ) : path === '/rollouts' ? (
        <RolloutsPage key={companyKeyed} />
      ) : path === '/devices' ? (
        <DevicesPage key={companyKeyed} />
      ) : path === '/members' && isAdmin ? (
        <MembersPage
          key={companyKeyed}
          me={me.user}
          companyName={company.companyName}
          onMembershipChanged={() => void refreshMe()}
        />
      ) : path === '/webhooks' && isAdmin ? (
        <WebhooksPage key={companyKeyed} />
      ) : path === '/firmware' ? (
        <FirmwarePage key={companyKeyed} />
      ) : path === '/transfers' ? (
        <TransfersPage
          key={companyKeyed}
          isAdmin={isAdmin}
          refreshKey={news}
          onChanged={() => setActivity((n) => n + 1)}
        />
      ) : (
        <SitesPage key={companyKeyed} canCreate={isAdmin} />
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
            <a
              href="/devices"
              aria-current={path === '/devices' ? 'page' : undefined}
              onClick={(event) => {
                event.preventDefault();
                navigate('/devices');
              }}
            >
              Devices
            </a>
            <a
              href="/rollouts"
              aria-current={path.startsWith('/rollouts') ? 'page' : undefined}
              onClick={(event) => {
                event.preventDefault();
                navigate('/rollouts');
              }}
            >
              Rollouts
            </a>
            <a
              href="/firmware"
              aria-current={path === '/firmware' ? 'page' : undefined}
              onClick={(event) => {
                event.preventDefault();
                navigate('/firmware');
              }}
            >
              Firmware
            </a>
            {isAdmin && (
              <a
                href="/members"
                aria-current={path === '/members' ? 'page' : undefined}
                onClick={(event) => {
                  event.preventDefault();
                  navigate('/members');
                }}
              >
                Members
              </a>
            )}
            {isAdmin && (
              <a
                href="/webhooks"
                aria-current={path === '/webhooks' ? 'page' : undefined}
                onClick={(event) => {
                  event.preventDefault();
                  navigate('/webhooks');
                }}
              >
                Webhooks
              </a>
            )}
            {company && (
              <TransfersLink key={companyKeyed} path={path} refreshKey={activity + news} />
            )}
            <Bell key={companyKeyed} refreshKey={activity} onNews={() => setNews((n) => n + 1)} />
            <a
              href="/account"
              onClick={(event) => {
                event.preventDefault();
                navigate('/account');
              }}
            >
              Account
            </a>
            <CompanySwitcher
              memberships={membershipsOf(account)}
              current={company?.companyId ?? null}
              onSwitch={switchCompany}
            />
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

/** Signed in, but in no company (removed from the last one, or left it). */
function NoCompany() {
  return (
    <main>
      <h1>You are not in any company</h1>
      <p>
        You are no longer a member of a company, so there are no sites to show. If you were removed
        by mistake, ask a company administrator to invite you again, and open the link of the new
        invitation.
      </p>
    </main>
  );
}
