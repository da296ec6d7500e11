import type { DirectoryUser } from './config.model.ts';
import type { CloudLinkState } from './device.ts';

/** The owner the cloud writes on the directory entries it manages (issue 17, shared contract). */
export const CLOUD_ENTRY_OWNER = 'My2N';

/** What the interfaces say beside a cloud-managed directory entry (issue 17 "Merging"). */
export const MANAGED_ENTRY_NOTE =
  'Managed by My2N — local changes are overwritten at the next sync.';

export const isCloudManaged = (user: Pick<DirectoryUser, 'owner'>): boolean =>
  user.owner === CLOUD_ENTRY_OWNER;

/**
 * Auto Provisioning's "Configuration mode" as System → Auto Provisioning and Integration →
 * Autoprovisioning → My2N show it: the mode the cloud set for the device in its site; not
 * managed while the device is in no site or the cloud has not said.
 */
export function configurationModeLabel(cloud: CloudLinkState): string {
  if (cloud.site === null || !cloud.configurationMode) return 'Not managed (not in a My2N site)';
  return cloud.configurationMode === 'automatic' ? 'Automatic (My2N)' : 'Manual';
}
