import { auditLabel } from './audit-actions.ts';
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import {
  all,
  api,
  ApiError,
  type AuditEvent,
  type CompanyRole,
  type Invitation,
  type Member,
  type SentInvitation,
  type Site,
  type SiteGrant,
  type SiteRole,
  type User,
} from './api.ts';
import { Dialog } from './dialog.tsx';
import { FieldMessage, FormError } from './form-error.tsx';
import { formatDate, formatDateTime } from './format.ts';
import { useToasts } from './toasts.tsx';

const COMPANY_ROLES: Record<CompanyRole, string> = { admin: 'Admin', member: 'Member' };
const SITE_ROLES: Record<SiteRole, string> = { 'site-admin': 'Site admin', viewer: 'Viewer' };

/** Company audit actions (GET /api/audit), beside the site actions of the site page. */

/** The detail of an audit event in a few words (whom it was about, which role). */
function describeDetail(entry: AuditEvent, siteNames: Map<string, string>): string {
  const parts: string[] = [];
  const d = entry.detail ?? {};
  for (const key of ['email', 'name', 'role', 'from', 'to']) {
    const value = d[key];
    if (typeof value === 'string' && value) parts.push(key === 'to' ? `→ ${value}` : value);
  }
  if (entry.serialNumber) parts.push(entry.serialNumber);
  if (entry.siteId) parts.push(siteNames.get(entry.siteId) ?? 'a deleted site');
  return parts.join(' · ');
}

function grantsText(grants: SiteGrant[], siteNames: Map<string, string>): string {
  return grants
    .map((g) => `${g.siteName ?? siteNames.get(g.siteId) ?? g.siteId} (${SITE_ROLES[g.role]})`)
    .join(', ');
}

/**
 * The sites given to a member, each with its site role: one checkbox per site of the company,
 * and the role beside it.
 */
function SiteGrants(props: {
  legend: string;
  sites: Site[];
  value: SiteGrant[];
  onChange: (grants: SiteGrant[]) => void;
  error?: string | undefined;
}) {
  const id = useId();
  const { sites, value, onChange } = props;
  if (sites.length === 0) {
    return <p className="muted">The company has no site yet; create one on the Sites page.</p>;
  }
  return (
    <fieldset className="grants" aria-describedby={props.error ? `${id}-error` : undefined}>
      <legend>{props.legend}</legend>
      {sites.map((site) => {
        const grant = value.find((g) => g.siteId === site.id);
        return (
          <div className="grant" key={site.id}>
            <label>
              <input
                type="checkbox"
                checked={grant !== undefined}
                onChange={(event) =>
                  onChange(
                    event.target.checked
                      ? [...value, { siteId: site.id, role: 'viewer' }]
                      : value.filter((g) => g.siteId !== site.id),
                  )
                }
              />
              {site.name}
            </label>
            {grant && (
              <select
                aria-label={`Role on ${site.name}`}
                value={grant.role}
                onChange={(event) =>
                  onChange(
                    value.map((g) =>
                      g.siteId === site.id ? { ...g, role: event.target.value as SiteRole } : g,
                    ),
                  )
                }
              >
                <option value="site-admin">{SITE_ROLES['site-admin']}</option>
                <option value="viewer">{SITE_ROLES.viewer}</option>
              </select>
            )}
          </div>
        );
      })}
      <FieldMessage id={`${id}-error`} message={props.error} />
    </fieldset>
  );
}

/** The link of an invitation just sent, to pass on by hand when no mail server is set up. */
function InvitationLink({ sent, onClose }: { sent: SentInvitation; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  const id = useId();

  async function copy() {
    try {
      await navigator.clipboard.writeText(sent.link);
      setCopied(true);
    } catch {
      // No clipboard access (an insecure origin): the link is selected to copy by hand.
      const input = document.getElementById(id) as HTMLInputElement | null;
      input?.select();
      setCopied(document.execCommand?.('copy') ?? false);
    }
  }

  return (
    <div className="notice" role="status" aria-label="Invitation sent">
      <p>
        <strong>An invitation was sent to {sent.email}.</strong> Without a mail server, pass this
        link on yourself. It works once, until {formatDateTime(sent.expiresAt)}; it is not shown
        again (resending makes a new one).
      </p>
      <div className="field">
        <label htmlFor={id}>Invitation link</label>
        <div className="copy-link">
          <input
            id={id}
            readOnly
            value={sent.link}
            spellCheck={false}
            onFocus={(event) => event.target.select()}
          />
          <button type="button" onClick={() => void copy()}>
            Copy
          </button>
        </div>
      </div>
      <p className="muted" aria-live="polite">
        {copied ? 'The link was copied.' : ''}
      </p>
      <button type="button" className="link" onClick={onClose}>
        Hide the link
      </button>
    </div>
  );
}

/**
 * The company's people (issue 16), for its admins: members with their roles and sites,
 * inviting, pending invitations, and the company audit log. The cloud enforces every rule
 * (the last admin, the company's sites); this page shows its answers.
 */
export function MembersPage(props: {
  me: User;
  companyName: string;
  /** The person's own membership changed (left, or demoted themselves). */
  onMembershipChanged: () => void;
}) {
  const { me, companyName, onMembershipChanged } = props;
  const { notify, notifyError, clear } = useToasts();
  const [members, setMembers] = useState<Member[] | null>(null);
  const [invitations, setInvitations] = useState<Invitation[] | null>(null);
  const [sites, setSites] = useState<Site[]>([]);
  const [audit, setAudit] = useState<AuditEvent[] | null>(null);
  const [auditCursor, setAuditCursor] = useState<string | null>(null);

  const [email, setEmail] = useState('');
  const [role, setRole] = useState<CompanyRole>('member');
  const [grants, setGrants] = useState<SiteGrant[]>([]);
  const [inviteError, setInviteError] = useState<ApiError | null>(null);
  const [sent, setSent] = useState<SentInvitation | null>(null);
  const [busy, setBusy] = useState(false);

  const [editing, setEditing] = useState<Member | null>(null);
  const [editRole, setEditRole] = useState<CompanyRole>('member');
  const [editGrants, setEditGrants] = useState<SiteGrant[]>([]);
  const [editError, setEditError] = useState<ApiError | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);

  const fail = useCallback(
    (caught: unknown, scope?: string) => {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') notifyError(caught, scope);
    },
    [notifyError],
  );
  const loadMembers = useCallback(
    () => api.members().then((page) => setMembers(page.items), fail),
    [fail],
  );
  const loadInvitations = useCallback(
    () => api.invitations().then((page) => setInvitations(page.items), fail),
    [fail],
  );
  const loadAudit = useCallback(
    () =>
      api.companyAudit().then((page) => {
        setAudit(page.items);
        setAuditCursor(page.nextCursor);
      }, fail),
    [fail],
  );

  useEffect(() => {
    void loadMembers();
    void loadInvitations();
    void loadAudit();
    all((cursor) => api.sites(cursor)).then(setSites, fail);
  }, [loadMembers, loadInvitations, loadAudit, fail]);

  const siteNames = new Map(sites.map((s) => [s.id, s.name]));

  async function invite(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setInviteError(null);
    setSent(null);
    try {
      const answer = await api.invite({ email: email.trim(), role, sites: grants });
      setSent(answer);
      setEmail('');
      setGrants([]);
      clear('invite');
      void loadInvitations();
      void loadAudit();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code === 'UNAUTHENTICATED') return;
      setInviteError(caught);
    } finally {
      setBusy(false);
    }
  }

  async function resend(invitation: Invitation) {
    try {
      setSent(await api.resendInvitation(invitation.id));
      notify({
        kind: 'success',
        title: `The invitation to ${invitation.email} was sent again.`,
        cause: 'The earlier link no longer works; the new one is valid for 7 days.',
        scope: `invitation.${invitation.id}`,
      });
      void loadInvitations();
      void loadAudit();
    } catch (caught) {
      fail(caught, `invitation.${invitation.id}`);
    }
  }

  async function revoke(invitation: Invitation) {
    try {
      await api.revokeInvitation(invitation.id);
      if (sent?.id === invitation.id) setSent(null);
      notify({
        kind: 'success',
        title: `The invitation to ${invitation.email} was revoked.`,
        cause: 'Its link no longer works.',
        scope: `invitation.${invitation.id}`,
      });
      void loadInvitations();
      void loadAudit();
    } catch (caught) {
      fail(caught, `invitation.${invitation.id}`);
    }
  }

  function startEdit(member: Member) {
    setEditing(member);
    setEditRole(member.role);
    setEditGrants(member.sites.map(({ siteId, role: r }) => ({ siteId, role: r })));
    setEditError(null);
  }

  async function saveEdit(event: FormEvent) {
    event.preventDefault();
    if (!editing) return;
    setBusy(true);
    setEditError(null);
    try {
      await api.updateMember(editing.userId, {
        role: editRole,
        sites: editRole === 'admin' ? [] : editGrants,
      });
      notify({
        kind: 'success',
        title: `${editing.name || editing.email} was updated.`,
        scope: `member.${editing.userId}`,
      });
      if (editing.userId === me.id) onMembershipChanged();
      setEditing(null);
      void loadMembers();
      void loadAudit();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') setEditError(caught);
    } finally {
      setBusy(false);
    }
  }

  async function confirmRemove() {
    if (!removing) return;
    const member = removing;
    const self = member.userId === me.id;
    setBusy(true);
    try {
      await api.removeMember(member.userId);
      setRemoving(null);
      notify({
        kind: 'success',
        title: self
          ? `You left ${companyName}.`
          : `${member.name || member.email} was removed from ${companyName}.`,
        cause: self ? undefined : 'Their sessions and tokens no longer reach this company.',
        scope: `member.${member.userId}`,
      });
      if (self) {
        onMembershipChanged();
        return;
      }
      void loadMembers();
      void loadAudit();
    } catch (caught) {
      setRemoving(null);
      fail(caught, `member.${member.userId}`);
    } finally {
      setBusy(false);
    }
  }

  async function moreAudit() {
    if (!auditCursor) return;
    try {
      const page = await api.companyAudit(auditCursor);
      setAudit((items) => [...(items ?? []), ...page.items]);
      setAuditCursor(page.nextCursor);
    } catch (caught) {
      fail(caught);
    }
  }

  const emailError = inviteError?.field('email');
  const sitesError = inviteError?.body.fields?.find((f) => f.field.startsWith('sites'))?.message;
  const otherInviteError =
    inviteError && !emailError && !sitesError && inviteError.code !== 'ALREADY_MEMBER'
      ? inviteError
      : null;
  return (
    <main>
      <h1>Members</h1>
      <p className="muted">People of {companyName}, their roles, and who is invited.</p>

      <section aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        {members === null ? (
          <p role="status">Loading members…</p>
        ) : (
          <table className="stack">
            <caption className="visually-hidden">Members of {companyName}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">E-mail</th>
                <th scope="col">Role</th>
                <th scope="col">Sites</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((member) => {
                const self = member.userId === me.id;
                const who = member.name || member.email;
                return (
                  <tr key={member.userId}>
                    <th scope="row" data-label="Name">
                      {member.name}
                      {self && <span className="muted"> (you)</span>}
                    </th>
                    <td data-label="E-mail">{member.email}</td>
                    <td data-label="Role">{COMPANY_ROLES[member.role] ?? member.role}</td>
                    <td data-label="Sites">
                      {member.role === 'admin'
                        ? 'All sites'
                        : member.sites.length === 0
                          ? 'None'
                          : grantsText(member.sites, siteNames)}
                    </td>
                    <td className="row-actions">
                      <button type="button" onClick={() => startEdit(member)}>
                        Edit<span className="visually-hidden"> {who}</span>
                      </button>
                      <button type="button" className="danger" onClick={() => setRemoving(member)}>
                        {self ? (
                          'Leave'
                        ) : (
                          <>
                            Remove<span className="visually-hidden"> {who}</span>
                          </>
                        )}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="invite-title" className="card">
        <h2 id="invite-title">Invite someone</h2>
        <p>They get a mail with a link to join, valid for 7 days.</p>
        <form onSubmit={invite} noValidate aria-label="Invite someone">
          <div className="field">
            <label htmlFor="invite-email">E-mail</label>
            <input
              id="invite-email"
              type="email"
              value={email}
              maxLength={254}
              required
              autoComplete="off"
              aria-invalid={emailError || inviteError?.code === 'ALREADY_MEMBER' ? true : undefined}
              aria-describedby={
                emailError || inviteError?.code === 'ALREADY_MEMBER'
                  ? 'invite-email-error'
                  : undefined
              }
              onChange={(event) => setEmail(event.target.value)}
            />
            <FieldMessage
              id="invite-email-error"
              message={
                emailError ??
                (inviteError?.code === 'ALREADY_MEMBER' ? inviteError.body.message : undefined)
              }
            />
          </div>
          <div className="field">
            <label htmlFor="invite-role">Role</label>
            <select
              id="invite-role"
              value={role}
              onChange={(event) => setRole(event.target.value as CompanyRole)}
            >
              <option value="member">Member (the sites below)</option>
              <option value="admin">Admin (everything)</option>
            </select>
          </div>
          {role === 'member' && (
            <SiteGrants
              legend="Sites"
              sites={sites}
              value={grants}
              onChange={setGrants}
              error={sitesError}
            />
          )}
          <FormError error={otherInviteError} />
          <button type="submit" className="primary" disabled={busy}>
            Send the invitation
          </button>
        </form>
      </section>
      {sent && <InvitationLink sent={sent} onClose={() => setSent(null)} />}

      <section aria-labelledby="invitations-title">
        <h2 id="invitations-title">Pending invitations</h2>
        {invitations === null ? (
          <p role="status">Loading invitations…</p>
        ) : invitations.length === 0 ? (
          <p>No invitation is waiting for an answer.</p>
        ) : (
          <table className="stack">
            <caption className="visually-hidden">Pending invitations</caption>
            <thead>
              <tr>
                <th scope="col">E-mail</th>
                <th scope="col">Role</th>
                <th scope="col">Sites</th>
                <th scope="col">Invited by</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invitations.map((invitation) => (
                <tr key={invitation.id}>
                  <th scope="row" data-label="E-mail">
                    {invitation.email}
                  </th>
                  <td data-label="Role">{COMPANY_ROLES[invitation.role] ?? invitation.role}</td>
                  <td data-label="Sites">
                    {invitation.role === 'admin'
                      ? 'All sites'
                      : invitation.sites.length === 0
                        ? 'None'
                        : grantsText(invitation.sites, siteNames)}
                  </td>
                  <td data-label="Invited by">{invitation.invitedBy ?? ''}</td>
                  <td data-label="Expires">{formatDate(invitation.expiresAt)}</td>
                  <td className="row-actions">
                    <button type="button" onClick={() => void resend(invitation)}>
                      Resend<span className="visually-hidden"> to {invitation.email}</span>
                    </button>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => void revoke(invitation)}
                    >
                      Revoke<span className="visually-hidden"> for {invitation.email}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="company-audit-title">
        <h2 id="company-audit-title">Company audit log</h2>
        {audit === null ? (
          <p role="status">Loading the audit log…</p>
        ) : audit.length === 0 ? (
          <p>Nothing happened in this company yet.</p>
        ) : (
          <>
            <table className="stack">
              <caption className="visually-hidden">
                Audit log of {companyName}, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">About</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {audit.map((entry) => (
                  <tr key={entry.id}>
                    <td data-label="When">
                      <time dateTime={entry.createdAt}>{formatDateTime(entry.createdAt)}</time>
                    </td>
                    <td data-label="Who">{entry.actor ?? 'the device'}</td>
                    <td data-label="What">{auditLabel(entry.action)}</td>
                    <td data-label="About">{describeDetail(entry, siteNames)}</td>
                    <td data-label="Result">
                      {entry.outcome === 'success' ? 'Done' : `Refused (${entry.errorCode ?? ''})`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {auditCursor && (
              <button type="button" onClick={() => void moreAudit()}>
                Show older events
              </button>
            )}
          </>
        )}
      </section>

      {editing && (
        <Dialog
          title={`Edit ${editing.name || editing.email}`}
          description={<p>{editing.email}</p>}
          onClose={() => setEditing(null)}
        >
          <form onSubmit={saveEdit} noValidate>
            <div className="field">
              <label htmlFor="edit-role">Company role</label>
              <select
                id="edit-role"
                value={editRole}
                onChange={(event) => setEditRole(event.target.value as CompanyRole)}
              >
                <option value="member">Member</option>
                <option value="admin">Admin</option>
              </select>
            </div>
            {editRole === 'member' ? (
              <SiteGrants
                legend="Sites"
                sites={sites}
                value={editGrants}
                onChange={setEditGrants}
                error={editError?.body.fields?.find((f) => f.field.startsWith('sites'))?.message}
              />
            ) : (
              <p className="muted">An admin sees and manages every site of the company.</p>
            )}
            <FormError error={editError} />
            <div className="actions">
              <button type="submit" className="primary" disabled={busy}>
                Save
              </button>
              <button type="button" onClick={() => setEditing(null)}>
                Cancel
              </button>
            </div>
          </form>
        </Dialog>
      )}

      {removing && (
        <Dialog
          title={
            removing.userId === me.id
              ? `Leave ${companyName}?`
              : `Remove ${removing.name || removing.email}?`
          }
          description={
            <p>
              {removing.userId === me.id
                ? 'You lose access to its sites at once. To come back, an admin has to invite you again.'
                : 'They lose access to the company’s sites at once, in every session and with every API token. Their past notifications stay theirs.'}
            </p>
          }
          onClose={() => setRemoving(null)}
        >
          <div className="actions">
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() => void confirmRemove()}
            >
              {removing.userId === me.id ? 'Leave the company' : 'Remove'}
            </button>
            <button type="button" data-autofocus onClick={() => setRemoving(null)}>
              Cancel
            </button>
          </div>
        </Dialog>
      )}
    </main>
  );
}
