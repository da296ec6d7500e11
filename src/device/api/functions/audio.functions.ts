import { READ, result, type ApiFunction } from './function.types.ts';

/** api/audio (2N HTTP API manual, chapter 5). */
export const AUDIO_FUNCTIONS: Record<string, ApiFunction> = {
  'audio/test': {
    methods: READ,
    service: 'audio',
    privilege: 'audio.control',
    handle: ({ device }) => {
      device.eventLog.record('AudioLoopTest', { result: 'passed' });
      return result();
    },
  },
};
