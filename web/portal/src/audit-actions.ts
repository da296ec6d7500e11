/** What each action of the audit logs (site and company) means, in words. */
export const AUDIT_ACTIONS: Record<string, string> = {
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
  'device.moved-in': 'Moved a device in from another account',
  'device.moved-away': 'A device was moved to another account',
  'device.deleted': 'Deleted a device',
  'device.settings-changed': "Changed a device's name or Configuration Mode",
  'device.code-regenerated': 'A new security code was generated on the device',
  'device.factory-reset': 'The device was reset to factory defaults',
};
