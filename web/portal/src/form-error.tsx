import type { ApiError } from './api.ts';

/** An error answer shown inside a form: the message, its cause and what to do. */
export function FormError({ error }: { error: ApiError | null }) {
  if (!error) return null;
  const fields = error.body.fields ?? [];
  return (
    <div className="form-error" role="alert">
      <p>
        <strong>{error.body.message}</strong>
      </p>
      <p>{error.body.cause}</p>
      {(fields.length > 0 || error.body.hints.length > 0) && (
        <ul>
          {fields.map((f) => (
            <li key={f.field}>{f.message}</li>
          ))}
          {error.body.hints.map((hint) => (
            <li key={hint}>{hint}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The message under one field, tied to it with aria-describedby. */
export function FieldMessage({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="field-message" id={id}>
      {message}
    </p>
  );
}
