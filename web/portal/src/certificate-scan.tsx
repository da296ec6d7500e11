import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { qrDecoder, type Picture, type QrDecoder } from './qr-scan.ts';
import { readCertificateQr, type CertificateQr } from './qr-text.ts';
import {
  cameraProblem,
  NO_CAMERA_HERE,
  NO_DECODER,
  NOT_A_PICTURE,
  NOT_OURS,
  PHOTO_PROBLEMS,
  type Problem,
} from './scan-problems.ts';

/**
 * Camera frames decoded per second: a certificate held still is read within a second, and
 * the phone is not kept busy (jsQR took about 80 ms for a 467 × 662 frame on the 2-core test
 * machine). A frame still being decoded when the next is due makes that one skipped.
 */
const FRAMES_PER_SECOND = 5;

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

  /**
   * Decodes a picture: 'read' when it showed a certificate (the fields are then filled),
   * 'foreign' for other QR codes, 'none' without one, 'failed' when no decoder loaded. A
   * result no longer `wanted` (the camera was stopped meanwhile) fills in nothing.
   */
  async function consider(
    picture: Picture,
    wanted: () => boolean,
  ): Promise<'read' | 'foreign' | 'none' | 'failed'> {
    let texts: string[];
    try {
      const decoder = await qrDecoder();
      setDecoderName(decoder.name);
      texts = await decoder.decode(picture);
    } catch {
      return 'failed';
    }
    for (const text of texts) {
      const certificate = readCertificateQr(text);
      if (certificate) {
        if (!wanted()) return 'read';
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
          const outcome = await consider(video, () => !done);
          if (done) return;
          if (outcome === 'read' || outcome === 'failed') {
            done = true;
            stopCamera();
          }
          if (outcome === 'failed') setProblem(NO_DECODER);
          if (outcome === 'foreign') setProblem(NOT_OURS);
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
        const outcome = await consider(bitmap, () => mounted.current);
        if (outcome !== 'read') setProblem(PHOTO_PROBLEMS[outcome]);
      } finally {
        bitmap.close();
      }
    } finally {
      if (mounted.current) setReading(false);
    }
  }

  // data-decoder: which decoder this browser used (the browser test reports it).
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
