import { NOT_A_CERTIFICATE } from './qr-text.ts';

/**
 * Why scanning a certificate filled nothing in (certificate-scan.tsx), worded like the cloud's
 * errors: what happened, why, and what to do, with the photo and typing as the ways on.
 */

/** Why nothing was read, shown like the cloud's errors: what, why, what to do. */
export interface Problem {
  message: string;
  cause: string;
  hints: string[];
}

const TYPE_INSTEAD = 'Or type the serial number and the security code below.';
const PHOTO_INSTEAD = 'Choose a photo of the certificate instead.';

export const NOT_OURS: Problem = {
  message: NOT_A_CERTIFICATE,
  cause: 'It does not hold a serial number and a security code.',
  hints: ['Scan the QR code on the certificate of ownership from the box.', TYPE_INSTEAD],
};

export const NO_CODE_IN_PHOTO: Problem = {
  message: 'No QR code was found in this photo',
  cause: "The certificate's QR code must be whole, sharp and not too small in the picture.",
  hints: ['Take the photo closer, in good light, with the whole QR code in it.', TYPE_INSTEAD],
};

export const NOT_A_PICTURE: Problem = {
  message: 'This file could not be opened as a picture',
  cause: 'The browser cannot read its format.',
  hints: ['Choose a JPEG or PNG photo of the certificate.', TYPE_INSTEAD],
};

/** The decoder's script did not load (qr-scan.ts loads jsQR on the first scan). */
export const NO_DECODER: Problem = {
  message: 'The QR code reader could not be loaded',
  cause: 'The connection to the portal was interrupted.',
  hints: ['Check the connection and try again.', TYPE_INSTEAD],
};

/** What a photo that filled nothing in showed. */
export const PHOTO_PROBLEMS = { foreign: NOT_OURS, none: NO_CODE_IN_PHOTO, failed: NO_DECODER };

/** What getUserMedia's refusal means for the person (its DOMException names). */
export function cameraProblem(error: unknown): Problem {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return {
      message: 'The camera is not allowed',
      cause: 'The browser did not give the portal access to the camera.',
      hints: [
        PHOTO_INSTEAD,
        "To scan live, allow the camera for this site in the browser's settings, then try again.",
      ],
    };
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return {
      message: 'No camera was found',
      cause: 'The browser finds no camera on this device.',
      hints: [PHOTO_INSTEAD, TYPE_INSTEAD],
    };
  }
  return {
    message: 'The camera could not be started',
    cause: 'Another app may be using it.',
    hints: ['Close the other app and try again.', PHOTO_INSTEAD],
  };
}

/** Without mediaDevices the page is not a secure context (plain HTTP to another computer). */
export const NO_CAMERA_HERE: Problem = {
  message: 'The camera is not available on this page',
  cause: 'Browsers open the camera only for pages served over HTTPS.',
  hints: [PHOTO_INSTEAD, TYPE_INSTEAD],
};
