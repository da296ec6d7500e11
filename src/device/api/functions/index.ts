import { ACCESSPOINT_FUNCTIONS } from './accesspoint.functions.ts';
import { AUDIO_FUNCTIONS } from './audio.functions.ts';
import { CALL_FUNCTIONS } from './call.functions.ts';
import { CAMERA_FUNCTIONS } from './camera.functions.ts';
import { CERT_FUNCTIONS } from './cert.functions.ts';
import { CONFIG_FUNCTIONS } from './config.functions.ts';
import { DIR_FUNCTIONS } from './dir.functions.ts';
import { EMAIL_FUNCTIONS } from './email.functions.ts';
import { FIRMWARE_FUNCTIONS } from './firmware.functions.ts';
import type { ApiFunction } from './function.types.ts';
import { IO_FUNCTIONS } from './io.functions.ts';
import { LOG_FUNCTIONS } from './log.functions.ts';
import { PHONE_FUNCTIONS } from './phone.functions.ts';
import { SWITCH_FUNCTIONS } from './switch.functions.ts';
import { SYSTEM_FUNCTIONS } from './system.functions.ts';
import { unsupportedFunctions } from './unsupported.functions.ts';

export type { ApiContext, ApiFunction, ApiOutput, Method } from './function.types.ts';

/**
 * The vendor's HTTP API functions this emulator implements (2N IP HTTP API manual, chapter 5),
 * one file per chapter: path → methods, service, privilege, handler.
 */
export const IMPLEMENTED_FUNCTIONS: Record<string, ApiFunction> = {
  ...SYSTEM_FUNCTIONS,
  ...FIRMWARE_FUNCTIONS,
  ...CONFIG_FUNCTIONS,
  ...SWITCH_FUNCTIONS,
  ...IO_FUNCTIONS,
  ...PHONE_FUNCTIONS,
  ...CALL_FUNCTIONS,
  ...CAMERA_FUNCTIONS,
  ...LOG_FUNCTIONS,
  ...AUDIO_FUNCTIONS,
  ...EMAIL_FUNCTIONS,
  ...DIR_FUNCTIONS,
  ...ACCESSPOINT_FUNCTIONS,
  ...CERT_FUNCTIONS,
};

/**
 * Every path the HTTP API answers: the implemented functions, and the manual's others, which
 * answer error 1 (manual.table.ts). Paths not listed answer error 2, listed paths with another
 * method error 3.
 */
export const API_FUNCTIONS: Record<string, ApiFunction> = {
  ...IMPLEMENTED_FUNCTIONS,
  ...unsupportedFunctions(IMPLEMENTED_FUNCTIONS),
};
