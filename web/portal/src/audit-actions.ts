import type { AuditAction } from '../../../src/core/audit-actions.ts';

/**
 * What each action of the audit logs (site and company) means, in words: a Record over every
 * action the cloud writes (src/core/audit-actions.ts), so one without words fails the type check.
 */
export const AUDIT_ACTIONS: Record<AuditAction, string> = {
  'member.invited': 'Invited someone',
  'member.joined': 'Joined the company',
  'member.role-changed': 'Changed a role',
  'member.removed': 'Removed a member',
  'member.left': 'Left the company',
  'invitation.revoked': 'Revoked an invitation',
  'invitation.resent': 'Resent an invitation',
  'company.settings-changed': 'Changed the company settings',
  'device.claim': 'Tried to add a device',
  'device.added': 'Added a device',
  'device.moved-in': 'Moved a device in from another site or account',
  'device.moved-away': 'A device was moved to another site or account',
  'device.deleted': 'Deleted a device',
  'device.settings-changed': "Changed a device's name, location or Configuration Mode",
  'device.code-regenerated': 'A new security code was generated on the device',
  'device.factory-reset': 'The device was reset to factory defaults',
  'apartment.created': 'Added an apartment',
  'apartment.updated': 'Changed an apartment',
  'apartment.deleted': 'Deleted an apartment',
  'resident.created': 'Added a resident',
  'resident.updated': 'Changed a resident',
  'resident.deleted': 'Removed a resident',
  'residents.imported': 'Imported residents from a file',
  'device.action': 'Sent a remote action to a device (open a door, restart, report state)',
  // Issue 19: configuration backups kept in the cloud.
  'device.config-restored': 'The device restored a configuration backup',
  'device.restarted': 'The device restarted',
  'device.backup': 'Backed up the configuration to the cloud',
  'device.config-restored-from-cloud': 'Restored the configuration from a cloud backup',
  'site.backup-settings': 'Changed the backup settings',
  // Issue 19: the firmware catalogue and rollouts.
  'firmware.add': 'Added a firmware image to the catalogue',
  'firmware.rollout-started': 'Started a firmware rollout',
  'firmware.rollout-cancelled': 'Cancelled a firmware rollout',
  'device.remote-opened':
    'Opened remote configuration of a device (its own web interfaces through the cloud)',
  // Issue 18: offers of devices or sites to another company, and requests to release one.
  'transfer.offered': 'Offered devices or a site to another company',
  'transfer.accepted': 'Accepted an offer of devices or a site',
  'transfer.rejected': 'Rejected an offer of devices or a site',
  'transfer.cancelled': 'An offer of devices or a site was cancelled',
  'transfer-request.sent': 'Asked another company to release a device',
  'transfer-request.received': 'Was asked to release a device',
  'transfer-request.approved': 'Approved a request to release a device',
  'transfer-request.declined': 'Declined a request to release a device',
  'transfer-request.cancelled': 'A request to release a device ended without an answer',
};

/** The words for an action; one this portal does not know (a newer cloud) shows as it is. */
export function auditLabel(action: string): string {
  return (AUDIT_ACTIONS as Record<string, string | undefined>)[action] ?? action;
}
