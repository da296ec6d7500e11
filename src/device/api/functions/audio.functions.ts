import { READ, result, type ApiFunction } from './function.types.ts';

/** 2N HTTP API §5.11 api/audio. */
export const AUDIO_FUNCTIONS: Record<string, ApiFunction> = {
  'audio/test': {
    methods: READ,
    service: 'audio',
    privilege: 'audio.control',
    // §5.11.1: the loop test always passes on the emulator (there is no speaker to fail).
    manual: { section: '5.11.1', support: 'full' },
    handle: ({ device }) => {
      device.eventLog.record('AudioLoopTest', { result: 'passed' });
      return result();
    },
  },
};
