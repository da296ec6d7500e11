import type { CertStoreName } from '../../certificates.service.ts';
import { DeviceError, missingParam } from '../../device.errors.ts';
import type { UploadLimit } from '../../upload.store.ts';
import { readUpload } from '../../upload.store.ts';
import type { ApiContext, ApiFunction } from './function.types.ts';
import { result } from './function.types.ts';

/** A certificate bundle is a few KiB; 256 KiB holds any CA bundle a device would take. */
const CERT_UPLOAD: UploadLimit = {
  maxBytes: 256 * 1024,
  tooBig: () =>
    new DeviceError(
      13,
      'The certificate file is larger than 256 KiB; upload the certificates only.',
      'blob-cert',
    ),
};

async function fileParam(ctx: ApiContext, name: string): Promise<Buffer | undefined> {
  const upload = ctx.params.file(name);
  return upload ? readUpload(upload) : undefined;
}

/** One store's GET (list, or one by id), PUT (upload) and DELETE (by id). */
function certFunction(store: CertStoreName, section: string): ApiFunction {
  return {
    methods: ['GET', 'PUT', 'DELETE'],
    service: 'system',
    privilege: 'system.control',
    upload: {
      field: 'blob-cert',
      limit: CERT_UPLOAD,
      alsoFields: store === 'user' ? ['blob-pk'] : [],
    },
    manual: {
      section,
      support: 'partial',
      missing:
        'no built-in certificates besides the self-signed one; certificates are kept, not used by any service',
    },
    handle: async (ctx) => {
      const { device, params, request } = ctx;
      const id = params.string('id');
      if (request.method === 'GET')
        return result({ certificates: device.certificates.list(store, id) });
      if (request.method === 'DELETE') {
        await device.certificates.delete(store, id);
        return result();
      }
      const cert = await fileParam(ctx, 'blob-cert');
      if (!cert)
        throw missingParam(
          'blob-cert',
          'Upload the certificate (PEM or DER) as the multipart field "blob-cert".',
        );
      const certificates =
        store === 'ca'
          ? await device.certificates.uploadCa(cert, id)
          : [await device.certificates.uploadUser(cert, await fileParam(ctx, 'blob-pk'), id)];
      return result({ certificates });
    },
  };
}

/** 5.20 api/cert (2N HTTP API manual, chapter 5). */
export const CERT_FUNCTIONS: Record<string, ApiFunction> = {
  'cert/ca': certFunction('ca', '5.20.1'),
  'cert/user': certFunction('user', '5.20.2'),
};
