import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { qrDecoder, type Picture, type QrDecoder } from './qr-scan.ts';
import { NOT_A_CERTIFICATE, readCertificateQr, type CertificateQr } from './qr-text.ts';

/** Camera frames decoded per second: a phone held still is read within a second, and the
 * decoding (tens of milliseconds a frame with jsQR) leaves the phone's processor mostly idle. */
const FRAMES_PER_SECOND = 5;

/** Why nothing was read, shown like the cloud's errors: what, why, what to do. */
interface Problem {
  message: string;
  cause: string;
  hints: string[];
}

const TYPE_INSTEAD = 'Or type the serial number and the security code below.';
const PHOTO_INSTEAD = 'Choose a photo of the certificate instead.';

const NOT_OURS: Problem = {
  message: NOT_A_CERTIFICATE,
  cause: 'It does not hold a serial number and a security code.',
  hints: ['Scan the QR code on the certificate of ownership from the box.', TYPE_INSTEAD],
};

const NO_CODE_IN_PHOTO: Problem = {
  message: 'No QR code was found in this photo',
  cause: "The certificate's QR code must be whole, sharp and not too small in the picture.",
  hints: ['Take the photo closer, in good light, with the whole QR code in it.', TYPE_INSTEAD],
};

const NOT_A_PICTURE: Problem = {
  message: 'This file could not be opened as a picture',
  cause: 'The browser cannot read its format.',
  hints: ['Choose a JPEG or PNG photo of the certificate.', TYPE_INSTEAD],
};

/** What getUserMedia's refusal means for the person (its DOMException names). */
function cameraProblem(error: unknown): Problem {
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
const NO_CAMERA_HERE: Problem = {
  message: 'The camera is not available on this page',
  cause: 'Browsers open the camera only for pages served over HTTPS.',
  hints: [PHOTO_INSTEAD, TYPE_INSTEAD],
};

/**
 * "Scan the certificate" and "Choose a photo" in the add dialog (issue 18): the QR code of the
 * certificate of ownership fills in the serial number and the security code, which the person
 * then checks and adds as if typed. The camera runs only while scanning: it stops when a
 * certificate is read, on "Stop the camera", and when the dialog closes.
 */
export function CertificateScan(props: { onRead: (read: CertificateQr) => void }) {
  const [scanning, setScanning] = useState(false);
  const [starting, setStarting] = useState(false);
  const [reading, setReading] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [read, setRead] = useState(false);
  const [decoderName, setDecoderName] = useState<QrDecoder['name'] | null>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const streamRef = useRef<MediaStream | null>(null);
  // The latest callback: a frame decoded later must fill the fields as they are then.
  const onReadRef = useRef(props.onRead);
  onReadRef.current = props.onRead;
  const mounted = useRef(true);

  function stopCamera() {
    for (const track of streamRef.current?.getTracks() ?? []) track.stop();
    streamRef.current = null;
    setScanning(false);
  }

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      for (const track of streamRef.current?.getTracks() ?? []) track.stop();
      streamRef.current = null;
    };
  }, []);

  /** The texts found in a picture: true when one was a certificate (the fields are filled). */
  async function consider(
    decoder: QrDecoder,
    picture: Picture,
  ): Promise<'read' | 'foreign' | 'none'> {
    setDecoderName(decoder.name);
    const texts = await decoder.decode(picture);
    for (const text of texts) {
      const certificate = readCertificateQr(text);
      if (certificate) {
        if (!mounted.current) return 'read';
        setProblem(null);
        setRead(true);
        onReadRef.current(certificate);
        return 'read';
      }
    }
    return texts.length > 0 ? 'foreign' : 'none';
  }

  // While scanning: the camera plays in the <video>, and a frame is decoded 5 times a second.
  useEffect(() => {
    const video = videoRef.current;
    const stream = streamRef.current;
    if (!scanning || !video || !stream) return;
    video.srcObject = stream;
    void video.play().catch(() => undefined);
    let busy = false;
    let done = false;
    const timer = window.setInterval(() => {
      if (busy || done || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) return;
      busy = true;
      void (async () => {
        try {
          const outcome = await consider(await qrDecoder(), video);
          if (done) return;
          if (outcome === 'read') {
            done = true;
            stopCamera();
          } else if (outcome === 'foreign') {
            setProblem(NOT_OURS);
          }
        } finally {
          busy = false;
        }
      })();
    }, 1000 / FRAMES_PER_SECOND);
    return () => {
      done = true;
      window.clearInterval(timer);
      video.srcObject = null;
    };
    // Only on starting and stopping: consider and stopCamera use refs and state setters.
  }, [scanning]);

  async function startCamera() {
    setProblem(null);
    setRead(false);
    if (!navigator.mediaDevices?.getUserMedia) {
      setProblem(NO_CAMERA_HERE);
      return;
    }
    setStarting(true);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: 'environment' },
        audio: false,
      });
      // The dialog closed while the browser asked: the camera must not stay on.
      if (!mounted.current) {
        for (const track of stream.getTracks()) track.stop();
        return;
      }
      streamRef.current = stream;
      setScanning(true);
    } catch (error) {
      if (mounted.current) setProblem(cameraProblem(error));
    } finally {
      if (mounted.current) setStarting(false);
    }
  }

  async function choosePhoto(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    // The same file chosen again (after fixing nothing) still counts as a choice.
    event.target.value = '';
    if (!file) return;
    stopCamera();
    setProblem(null);
    setRead(false);
    setReading(true);
    try {
      let bitmap: ImageBitmap;
      try {
        bitmap = await createImageBitmap(file);
      } catch {
        setProblem(NOT_A_PICTURE);
        return;
      }
      try {
        const outcome = await consider(await qrDecoder(), bitmap);
        if (outcome !== 'read') setProblem(outcome === 'foreign' ? NOT_OURS : NO_CODE_IN_PHOTO);
      } finally {
        bitmap.close();
      }
    } finally {
      if (mounted.current) setReading(false);
    }
  }

  return (
    <div className="certificate-scan" data-decoder={decoderName ?? undefined}>
      <div className="actions">
        {scanning ? (
          <button type="button" onClick={stopCamera}>
            Stop the camera
          </button>
        ) : (
          <button type="button" disabled={starting} onClick={() => void startCamera()}>
            Scan the certificate
          </button>
        )}
        <button type="button" disabled={reading} onClick={() => fileRef.current?.click()}>
          Choose a photo
        </button>
        <input
          ref={fileRef}
          type="file"
          accept="image/*"
          hidden
          aria-label="Photo of the certificate"
          onChange={(event) => void choosePhoto(event)}
        />
      </div>
      {scanning && (
        <>
          <video
            ref={videoRef}
            className="scan-video"
            muted
            playsInline
            aria-label="Camera picture"
          />
          <p className="field-help" role="status">
            Hold the QR code of the certificate in the picture.
          </p>
        </>
      )}
      {reading && <p role="status">Reading the photo…</p>}
      {problem && (
        <div className="form-error" role="alert">
          <p>
            <strong>{problem.message}</strong>
          </p>
          <p>{problem.cause}</p>
          <ul>
            {problem.hints.map((hint) => (
              <li key={hint}>{hint}</li>
            ))}
          </ul>
        </div>
      )}
      {read && (
        <p className="notice" role="status">
          Read from the certificate: check the serial number and the security code, then add the
          device.
        </p>
      )}
    </div>
  );
}
