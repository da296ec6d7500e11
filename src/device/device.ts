import { AccessService } from './access.service.ts';
import { ensurePrivateFolder } from './atomic-file.ts';
import { AccountsService } from './accounts.service.ts';
import { CallsService, type Recorder } from './calls.service.ts';
import { CameraService } from './camera.service.ts';
import { CertificatesService } from './certificates.service.ts';
import { ConfigStore } from './config.store.ts';
import { DeviceEvents } from './device.events.ts';
import { CloudDirectoryService } from './cloud-directory.service.ts';
import { DirectoryService } from './directory.service.ts';
import { EmailService } from './email.service.ts';
import { EventLogService } from './event-log.service.ts';
import { HolidaysService } from './holidays.service.ts';
import { FrontPanelService } from './front-panel.service.ts';
import { loadIdentity, type DeviceIdentity } from './identity.store.ts';
import { IoService } from './io.service.ts';
import { factoryConfig, MaintenanceService } from './maintenance.service.ts';
import { NetworkService } from './network.service.ts';
import { ProtectedStore } from './protected.store.ts';
import { SecurityCodeService } from './security-code.service.ts';
import { SettingsService } from './settings.service.ts';
import { PhoneService } from './phone.service.ts';
import { SwitchesService } from './switches.service.ts';
import { TimeService } from './time.service.ts';
import { UploadStore } from './upload.store.ts';

/** The cloud link as system/status reports it; the link client (a later issue) feeds it. */
export interface CloudLinkState {
  state: 'disconnected' | 'connecting' | 'connected';
  site: string | null;
  /**
   * Issue 17: the Auto Provisioning mode the cloud set for this device in its site; null or
   * absent while it is in no site or the cloud has not said.
   */
  configurationMode?: 'automatic' | 'manual' | null;
}

/**
 * One emulated intercom: its identity, durable stores and services, wired with explicit
 * dependencies. HTTP is separate (device.app.ts) so that the same device can be served,
 * tested, or later run by the thousand in one process.
 */
export class Device {
  readonly accounts: AccountsService;
  readonly securityCode: SecurityCodeService;
  readonly switches: SwitchesService;
  readonly io: IoService;
  readonly eventLog: EventLogService;
  readonly directory: DirectoryService;
  /** Issue 17: the cloud-managed (My2N) entries, written by Auto Provisioning over the link. */
  readonly cloudDirectory: CloudDirectoryService;
  readonly access: AccessService;
  readonly maintenance: MaintenanceService;
  readonly network: NetworkService;
  readonly settings: SettingsService;
  readonly camera = new CameraService();
  readonly uploads: UploadStore;
  readonly calls: CallsService;
  readonly frontPanel: FrontPanelService;
  readonly time: TimeService;
  readonly phone: PhoneService;
  readonly certificates: CertificatesService;
  readonly holidays: HolidaysService;
  readonly email: EmailService;
  #bootedAt = Date.now();
  #cloud: CloudLinkState = { state: 'disconnected', site: null };

  readonly identity: DeviceIdentity;
  readonly dataDir: string;
  readonly config: ConfigStore;
  readonly protectedStore: ProtectedStore;
  readonly events: DeviceEvents;
  private constructor(
    identity: DeviceIdentity,
    dataDir: string,
    config: ConfigStore,
    protectedStore: ProtectedStore,
    events: DeviceEvents,
  ) {
    this.identity = identity;
    this.dataDir = dataDir;
    this.config = config;
    this.protectedStore = protectedStore;
    this.events = events;
    this.time = new TimeService(config);
    this.certificates = new CertificatesService(config);
    this.holidays = new HolidaysService(config);
    this.email = new EmailService(dataDir, this.camera);
    this.accounts = new AccountsService(config);
    this.securityCode = new SecurityCodeService(identity, protectedStore, this.events);
    this.switches = new SwitchesService(config, this.events);
    this.io = new IoService(this.events);
    this.eventLog = new EventLogService(this.events, this);
    this.directory = new DirectoryService(config);
    this.cloudDirectory = new CloudDirectoryService(config);
    this.access = new AccessService(config);
    this.uploads = new UploadStore(dataDir);
    this.network = new NetworkService(config);
    this.settings = new SettingsService(config);
    // Calls and the front panel record through one recorder that also feeds the panel's
    // "recent events".
    const record: Recorder = (event, params) => {
      this.eventLog.record(event, params);
      this.frontPanel.note(event, params);
    };
    this.calls = new CallsService(record);
    this.frontPanel = new FrontPanelService({
      record,
      access: this.access,
      switches: this.switches,
      io: this.io,
      calls: this.calls,
      events: this.events,
      directoryUsers: () => this.config.current.directory.users,
      utcTime: () => this.utcTime(),
    });
    this.maintenance = new MaintenanceService(
      identity,
      config,
      protectedStore,
      this.events,
      { reboot: () => this.#reboot() },
      this.uploads,
    );
    this.eventLog.record('DeviceState', { state: 'startup' });
    // After startup, as a real unit registers its SIP accounts once it is up.
    this.phone = new PhoneService(config, this.events, this.eventLog, this);
  }

  static async open(options: { identityFile: string; dataDir: string }): Promise<Device> {
    const identity = await loadIdentity(options.identityFile);
    await ensurePrivateFolder(options.dataDir);
    const protectedStore = await ProtectedStore.open(options.dataDir, identity);
    const events = new DeviceEvents();
    const config = await ConfigStore.open(options.dataDir, {
      model: identity.model,
      defaults: () => factoryConfig(identity),
      onChange: (reason) => events.emit('config-changed', { reason }),
    });
    const device = new Device(identity, options.dataDir, config, protectedStore, events);
    await device.uploads.prepare();
    return device;
  }

  /** Seconds since the (emulated) power-on or last restart. */
  upTime(): number {
    return Math.floor((Date.now() - this.#bootedAt) / 1000);
  }

  /** The device clock in UNIX seconds (settable through /api/system/time). */
  utcTime(): number {
    return this.time.utcTime();
  }

  setUtcTime(seconds: number): void {
    this.time.setUtcTime(seconds);
  }

  /** Local time minus UTC in minutes, as the event log stamps it (2N HTTP API §5.10.3). */
  tzShift(): number {
    return this.time.tzShift();
  }

  get cloud(): CloudLinkState {
    return this.#cloud;
  }

  /** Hook for the link client: system/status shows what it sets here. */
  setCloudLink(state: CloudLinkState): void {
    this.#cloud = { ...state };
  }

  close(): void {
    this.camera.stopPushes();
    this.calls.reset();
    this.switches.close();
    this.maintenance.close();
    this.eventLog.close();
    this.events.removeAllListeners();
  }

  #reboot(): void {
    this.#bootedAt = Date.now();
    this.switches.reset();
    this.io.reset();
    this.calls.reset();
    this.frontPanel.reset();
    this.camera.stopPushes();
    this.access.reset();
    this.eventLog.dropSubscriptions();
    this.accounts.endAllSessions();
    this.eventLog.record('DeviceState', { state: 'startup' });
  }
}
