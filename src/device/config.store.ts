import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeStaleTempFiles, writeFileAtomic } from './atomic-file.ts';
import { deviceConfigSchema, type DeviceConfig } from './config.model.ts';
import { configToXml, parseConfigXml } from './config.xml.ts';
import { DeviceStartError } from './identity.store.ts';

export const CONFIG_FILE = 'config.xml';

/**
 * The device's configuration, kept as the vendor XML in the data folder. Every change is
 * validated in full, written atomically and only then becomes the live configuration; changes
 * are applied one at a time, in order.
 */
export class ConfigStore {
  #config: DeviceConfig;
  #queue: Promise<unknown> = Promise.resolve();

  readonly file: string;
  private readonly onChange: (reason: string) => void;
  private constructor(file: string, config: DeviceConfig, onChange: (reason: string) => void) {
    this.file = file;
    this.onChange = onChange;
    this.#config = config;
  }

  static async open(
    dataDir: string,
    options: { model: string; defaults: () => DeviceConfig; onChange?: (reason: string) => void },
  ): Promise<ConfigStore> {
    const file = join(dataDir, CONFIG_FILE);
    await removeStaleTempFiles(file);
    const onChange = options.onChange ?? (() => undefined);
    let text: string | null = null;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text === null) {
      const config = options.defaults();
      await writeFileAtomic(file, configToXml(config));
      return new ConfigStore(file, config, onChange);
    }
    const parsed = parseConfigXml(text);
    if (!parsed.ok) {
      throw new DeviceStartError(
        `${file} cannot be used: ${parsed.message} Restore a backup or delete the file to start from factory defaults.`,
      );
    }
    if (parsed.value.model !== options.model) {
      throw new DeviceStartError(
        `${file} is the configuration of a ${parsed.value.model}, but this device is a ${options.model}. Use a separate --data folder for each device.`,
      );
    }
    return new ConfigStore(file, parsed.value, onChange);
  }

  /** The live configuration; treat it as read-only and change it through update(). */
  get current(): DeviceConfig {
    return this.#config;
  }

  /** Applies `change` to a copy, validates the result, writes it durably, then makes it live. */
  update(
    reason: string,
    change: (draft: DeviceConfig) => DeviceConfig | void,
  ): Promise<DeviceConfig> {
    const run = this.#queue.then(async () => {
      const draft = structuredClone(this.#config);
      const next = deviceConfigSchema.parse(change(draft) ?? draft);
      await writeFileAtomic(this.file, configToXml(next));
      this.#config = next;
      try {
        this.onChange(reason);
      } catch {
        // A listener's failure must not make a durable change look failed.
      }
      return next;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
